-- wrk script of bench/whois.sh: sends the request paths of the file named by $PATHS (one per
-- line), in order, round and round, on every connection.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  paths[#paths + 1] = line
end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
