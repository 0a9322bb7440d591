-- The TCP peer when it is a trusted proxy (serve --trusted-proxy) and source_ip was taken from its
-- forwarded-for header; NULL when source_ip is the TCP peer itself.
ALTER TABLE hit ADD COLUMN peer_ip TEXT;
