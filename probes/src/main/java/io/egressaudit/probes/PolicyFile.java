package io.egressaudit.probes;

import io.egressaudit.correlator.probe.AllowedSource;
import io.egressaudit.correlator.probe.ProbePolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a probe policy, the file a firewall team owns (YAML, or JSON):
 *
 * <pre>
 * namespaces:
 *   simpson:
 *     allow: [192.168.126.100, 192.168.126.101]   # source IPs or CIDR blocks
 *   bouvier:
 *     allow: [192.168.126.0/24]
 *   flanders:
 *     mustNotArrive: true                         # the firewall must block it
 * </pre>
 *
 * Each namespace has either a non-empty {@code allow} or {@code mustNotArrive: true}. Unknown keys
 * are errors (a misspelt {@code mustNotArive} must not silently allow everything).
 */
public final class PolicyFile {

  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private final Path file;
  private JsonParser p;

  private PolicyFile(Path file) {
    this.file = file;
  }

  /**
   * Loads a policy.
   *
   * @param file the file
   * @return the policy
   * @throws PolicyFileException naming the file, line and field when it cannot be read or is wrong
   */
  public static ProbePolicy load(Path file) {
    return new PolicyFile(file).read();
  }

  private ProbePolicy read() {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        JsonParser parser = YAML.createParser(r)) {
      p = parser;
      JsonToken t = p.nextToken();
      if (t == null) {
        throw fail(0, "empty file: expected a mapping with namespaces:");
      }
      expect(t, JsonToken.START_OBJECT, "the file");
      Map<String, ProbePolicy.NamespacePolicy> rules = null;
      while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
        String key = p.currentName();
        int line = line();
        if (!key.equals("namespaces")) {
          throw fail(line, key + ": unknown key (expected namespaces)");
        }
        rules = namespaces();
      }
      if (rules == null) {
        throw fail(0, "namespaces: missing");
      }
      return new ProbePolicy(rules);
    } catch (NoSuchFileException e) {
      throw new PolicyFileException(file, 0, "no such file", e);
    } catch (IOException e) {
      throw new PolicyFileException(file, 0, "cannot read it: " + e.getMessage(), e);
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new PolicyFileException(
          file, line, "not YAML: " + firstLine(e.getOriginalMessage()), e);
    }
  }

  private Map<String, ProbePolicy.NamespacePolicy> namespaces() {
    expect(p.nextToken(), JsonToken.START_OBJECT, "namespaces");
    Map<String, ProbePolicy.NamespacePolicy> rules = new LinkedHashMap<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
      String ns = p.currentName();
      int line = line();
      if (rules.containsKey(ns)) {
        throw fail(line, "namespaces." + ns + ": given twice");
      }
      rules.put(ns, namespace(ns, line));
    }
    return rules;
  }

  private ProbePolicy.NamespacePolicy namespace(String ns, int line) {
    String where = "namespaces." + ns;
    expect(p.nextToken(), JsonToken.START_OBJECT, where);
    List<AllowedSource> allow = new ArrayList<>();
    boolean mustNotArrive = false;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
      String key = p.currentName();
      switch (key) {
        case "allow" -> allow.addAll(allow(where + ".allow"));
        case "mustNotArrive" -> {
          JsonToken v = p.nextToken();
          if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw fail(line(), where + ".mustNotArrive: expected true or false, found " + found(v));
          }
          mustNotArrive = v == JsonToken.VALUE_TRUE;
        }
        default ->
            throw fail(
                line(), where + "." + key + ": unknown key (expected allow or mustNotArrive)");
      }
    }
    try {
      return new ProbePolicy.NamespacePolicy(allow, mustNotArrive);
    } catch (IllegalArgumentException e) {
      throw fail(line, where + ": " + e.getMessage());
    }
  }

  private List<AllowedSource> allow(String where) {
    JsonToken t = p.nextToken();
    expect(t, JsonToken.START_ARRAY, where);
    List<AllowedSource> out = new ArrayList<>();
    int i = 0;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      String item = where + "[" + i + "]";
      if (t != JsonToken.VALUE_STRING) {
        throw fail(line(), item + ": expected a source IP or CIDR block, found " + found(t));
      }
      try {
        out.add(AllowedSource.parse(p.getString()));
      } catch (IllegalArgumentException e) {
        throw fail(line(), item + ": " + e.getMessage());
      }
      i++;
    }
    return out;
  }

  private void expect(JsonToken t, JsonToken wanted, String where) {
    if (t != wanted) {
      String shape = wanted == JsonToken.START_ARRAY ? "a list" : "a mapping";
      throw fail(line(), where + ": expected " + shape + ", found " + found(t));
    }
  }

  private String found(JsonToken t) {
    if (t == null) {
      return "the end of the file";
    }
    return switch (t) {
      case START_ARRAY -> "a list";
      case START_OBJECT -> "a mapping";
      case VALUE_NULL -> "nothing";
      default -> "'" + abbreviate(p.getString()) + "'";
    };
  }

  private int line() {
    return p.currentTokenLocation().getLineNr();
  }

  private PolicyFileException fail(int line, String detail) {
    return new PolicyFileException(file, line, detail, null);
  }

  private static String firstLine(String m) {
    return m == null ? "invalid" : abbreviate(m.strip().split("\\R", 2)[0]);
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
