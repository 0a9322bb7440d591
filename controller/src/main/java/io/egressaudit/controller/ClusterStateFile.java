package io.egressaudit.controller;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.YamlUnicodeReader;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;

/**
 * Loads a cluster state snapshot from what {@code kubectl get nodes,namespaces,pods,egressips -A -o
 * yaml} (or {@code -o json}) prints.
 *
 * <p>Shapes: a {@code List} ({@code kind: List}, or a typed list such as {@code PodList}, with
 * {@code items}), a single object, or several YAML documents separated by {@code ---}, mixed
 * freely. {@code Node}, {@code Namespace} and {@code Pod} ({@code v1}) and {@code EgressIP} ({@code
 * k8s.ovn.org/v1}) are converted with {@link KubernetesObjects}; other kinds are skipped with one
 * note per kind. Empty documents (a trailing {@code ---}) are ignored.
 *
 * <p>Files up to {@value #MAX_FILE_BYTES} bytes (256 MiB) are read, streamed: see {@link #load}.
 * What is not a regular file (a pipe such as {@code <(kubectl get ...)}, {@code /dev/stdin}, or
 * {@value #STANDARD_INPUT} for standard input, as {@code kubectl apply -f -} takes it) is copied
 * once to a temporary file, up to the same size, then parsed from there.
 */
public final class ClusterStateFile {

  /** The name that means standard input, as {@code kubectl apply -f -} takes it: {@value}. */
  public static final String STANDARD_INPUT = "-";

  /** The largest file {@link #load} accepts: 256 MiB. */
  public static final long MAX_FILE_BYTES = 256L * 1024 * 1024;

  /**
   * The most characters a single scalar (a string, a key, a comment) may have: 4 MiB. Kubernetes
   * keeps no object over 1.5 MiB (etcd's default request limit), so no real value comes near it.
   */
  public static final int MAX_SCALAR_CHARS = 4 * 1024 * 1024;

  private static final StreamReadConstraints CONSTRAINTS =
      StreamReadConstraints.builder().maxStringLength(MAX_SCALAR_CHARS).build();

  // Duplicate keys are checked in the kept fields only (ObjectTreeReader): Jackson's own check
  // would hold every key of every mapping, such as an unused annotation with millions of keys.
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(CONSTRAINTS)
          .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private static final YAMLFactory YAML =
      new AnchorAwareYamlParser.Factory(
          YAMLFactory.builder()
              // snakeyaml-engine stops at 3 MiB of code points by default; kubectl dumps of real
              // clusters are often tens of MB. A large buffer keeps the scanner's copying of an
              // unfinished token (up to MAX_SCALAR_CHARS) cheap.
              .loadSettings(
                  LoadSettings.builder()
                      .setCodePointLimit((int) MAX_FILE_BYTES)
                      .setBufferSize(256 * 1024)
                      .build())
              .streamReadConstraints(CONSTRAINTS)
              .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION));

  private static final Pattern SNAKEYAML_MARK =
      Pattern.compile("in reader, line (\\d+), column (\\d+):?");

  private ClusterStateFile() {}

  /** A syntax error, kept apart so that a file that starts like JSON can be read again as YAML. */
  private static final class SyntaxProblem extends Exception {
    private static final long serialVersionUID = 1L;
    final int line;
    final int column;

    SyntaxProblem(int line, int column, String message, Throwable cause) {
      super(message, cause, false, false);
      this.line = line;
      this.column = column;
    }

    boolean isAfter(SyntaxProblem other) {
      return line > other.line || (line == other.line && column > other.column);
    }

    ClusterStateFileException in(Path file) {
      return new ClusterStateFileException(file, line, column, getMessage(), getCause());
    }
  }

  /**
   * Reads a file.
   *
   * <p>The file is streamed: fields attribution does not read ({@link FieldSelection#ATTRIBUTION})
   * are skipped as they pass, and each object is converted as soon as it is read, so the heap holds
   * the converted objects and one object's fields at a time. A file that starts with {@code {} or
   * {@code [} is read with a JSON parser (much faster than YAML's); if that fails it is read again
   * as YAML, and the error of the parser that got further is reported. YAML aliases and merge keys
   * are resolved ({@link ObjectTreeReader}).
   *
   * @param file a YAML or JSON file written by {@code kubectl get ... -o yaml|json}; a pipe or
   *     device is copied once to a temporary file; {@value #STANDARD_INPUT} reads standard input
   * @return the objects and the notes
   * @throws ClusterStateFileException when the file does not exist, is not readable, is larger than
   *     {@value #MAX_FILE_BYTES} bytes, is not well-formed YAML or JSON (with the line and column),
   *     has a scalar longer than {@value #MAX_SCALAR_CHARS} characters or an object with more than
   *     {@value ObjectTreeReader#MAX_OBJECT_VALUES} values in the fields attribution reads, has an
   *     alias to no anchor or an alias bomb, has a document or item that is not a mapping, an
   *     object without {@code kind} or {@code apiVersion}, an invalid object (naming the document,
   *     the item, the object and the field, at the line and column the field's value starts at), the same object twice, no node, namespace, pod or
   *     EgressIP at all; or when the heap cannot hold what it holds (the message says how much heap
   *     the JVM has)
   */
  public static LoadedClusterState load(Path file) {
    Path spooled = null;
    try {
      Opener opener;
      if (file.toString().equals(STANDARD_INPUT)) {
        spooled = spool(file, System.in);
      } else {
        checkReadable(file);
        if (!Files.isRegularFile(file)) {
          // a pipe or a device can be read only once: the JSON sniff, a JSON parse and a YAML
          // parse would each see what the one before left
          try (InputStream in = Files.newInputStream(file)) {
            spooled = spool(file, in);
          } catch (IOException e) {
            throw new ClusterStateFileException(file, 0, 0, "cannot read: " + e.getMessage(), e);
          }
        }
      }
      Path source = spooled == null ? file : spooled;
      opener = () -> Files.newInputStream(source);
      return parse(file, opener);
    } catch (OutOfMemoryError e) {
      throw outOfMemory(file);
    } finally {
      if (spooled != null) {
        try {
          Files.deleteIfExists(spooled);
        } catch (IOException e) {
          // a temporary file left behind; the system's temporary directory is cleaned anyway
        }
      }
    }
  }

  /**
   * Loads a file that must be a regular file, as {@code serve --cluster-state} reads it again and
   * again: a file that became a named pipe, a device or a socket is refused before it is opened
   * (opening a pipe without a writer would block the reading thread for good).
   *
   * @throws ClusterStateFileException as {@link #load}, and when {@code file} is missing or not a
   *     regular file
   */
  public static LoadedClusterState loadRegularFile(Path file) {
    String problem = notARegularFile(file);
    if (problem != null) {
      throw new ClusterStateFileException(file, 0, 0, problem, null);
    }
    return load(file);
  }

  /**
   * Why {@code file} cannot be read again as a regular file, checked without opening it: {@code no
   * such file}, {@code is a directory, not a file} or {@code not a regular file (a named pipe,
   * socket or device)}; null for a regular file (a symbolic link to one is one).
   */
  public static String notARegularFile(Path file) {
    java.nio.file.attribute.BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    } catch (java.nio.file.NoSuchFileException e) {
      return "no such file";
    } catch (IOException e) {
      return "cannot read: " + e.getMessage();
    }
    if (a.isRegularFile()) {
      return null;
    }
    return a.isDirectory()
        ? "is a directory, not a file"
        : "not a regular file (a named pipe, socket or device): it is not read again until a"
            + " regular file is back";
  }

  private static ClusterStateFileException outOfMemory(Path file) {
    // Everything the load allocated is unreachable once the stack has unwound to here, so the
    // message can be built. Loading runs on one thread; in a CLI import nothing else allocates.
    return new ClusterStateFileException(
        file,
        0,
        0,
        "not enough memory to load it: the JVM may use at most "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MB of heap; give it more (JAVA_OPTS=-Xmx...) or split the file",
        null);
  }

  private static LoadedClusterState parse(Path file, Opener opener) {
    try {
      if (!startsLikeJson(file, opener)) {
        return read(file, opener, false);
      }
      try {
        return read(file, opener, true);
      } catch (SyntaxProblem json) {
        try {
          return read(file, opener, false);
        } catch (SyntaxProblem yaml) {
          throw (json.isAfter(yaml) ? json : yaml).in(file);
        }
      }
    } catch (SyntaxProblem e) {
      throw e.in(file);
    }
  }

  /** Opens the content to read, once per parse. */
  @FunctionalInterface
  private interface Opener {
    InputStream open() throws IOException;
  }

  /**
   * Copies a stream that cannot be read twice (standard input, a pipe, a device) to a temporary
   * file, up to {@link #MAX_FILE_BYTES}, 64 KiB at a time: the heap never holds more than that of
   * it, whatever the stream's size.
   *
   * @return the temporary file; the caller deletes it
   * @throws ClusterStateFileException naming {@code file} when it is larger, cannot be read or the
   *     temporary file cannot be written
   */
  private static Path spool(Path file, InputStream in) {
    Path tmp;
    try {
      tmp = Files.createTempFile("egress-audit-dump", ".tmp");
    } catch (IOException e) {
      throw new ClusterStateFileException(
          file,
          0,
          0,
          "cannot keep a copy to parse in the temporary directory ("
              + System.getProperty("java.io.tmpdir")
              + "): "
              + e.getMessage(),
          e);
    }
    boolean done = false;
    try (java.io.OutputStream out = Files.newOutputStream(tmp)) {
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buffer)) >= 0) {
        total += n;
        if (total > MAX_FILE_BYTES) {
          throw new ClusterStateFileException(
              file, 0, 0, "larger than " + (MAX_FILE_BYTES >> 20) + " MiB (the limit)", null);
        }
        out.write(buffer, 0, n);
      }
      done = true;
      return tmp;
    } catch (IOException e) {
      throw new ClusterStateFileException(
          file,
          0,
          0,
          "cannot read it into a temporary file in "
              + System.getProperty("java.io.tmpdir")
              + ": "
              + e.getMessage(),
          e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // left behind in the temporary directory
        }
      }
    }
  }

  private static boolean startsLikeJson(Path file, Opener opener) {
    try (InputStream in = new BufferedInputStream(opener.open())) {
      int c;
      do {
        c = in.read();
      } while (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB
          || c == 0xBF);
      return c == '{' || c == '[';
    } catch (IOException e) {
      throw new ClusterStateFileException(file, 0, 0, "cannot read: " + e.getMessage(), e);
    }
  }

  private static LoadedClusterState read(Path file, Opener opener, boolean json)
      throws SyntaxProblem {
    ClusterStateCollector collector = new ClusterStateCollector(file);
    int documents = 0;
    boolean anyDocument = false;
    JsonParser parser = null;
    try (InputStream in = opener.open()) {
      ScalarLengthGuard guard = null;
      if (json) {
        parser = JSON.createParser(ObjectReadContext.empty(), in);
      } else {
        guard =
            new ScalarLengthGuard(
                new BufferedReader(new YamlUnicodeReader(in), 64 * 1024), MAX_SCALAR_CHARS);
        parser = YAML.createParser(ObjectReadContext.empty(), guard);
        guard.follow(((AnchorAwareYamlParser) parser)::consumed);
      }
      ObjectTreeReader reader = new ObjectTreeReader(parser);
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        documents++;
        reader.startDocument();
        TokenStreamLocation start = parser.currentTokenLocation();
        if (token == JsonToken.VALUE_NULL) {
          continue; // an empty document
        }
        if (token != JsonToken.START_OBJECT) {
          throw new ClusterStateFileException(
              file,
              start.getLineNr(),
              start.getColumnNr(),
              "document "
                  + documents
                  + ": not a mapping (found "
                  + shape(token)
                  + "): expected a kubectl dump (kubectl get ... -o yaml or -o json)",
              null);
        }
        anyDocument = true;
        try {
          readDocument(parser, reader, collector, documents, start.getLineNr());
        } catch (ClusterStateFileException e) {
          // a List's item, then nothing, not even the newline kubectl ends with: it writes the
          // list's kind after its items
          throw e.getMessage().contains(", items[") && endsHere(parser) && noFinalNewline(opener)
              ? e.mayBeTruncated()
              : e;
        }
      }
    } catch (ObjectTreeReader.ValueException e) {
      TokenStreamLocation at = e.location();
      throw new ClusterStateFileException(
          file,
          at == null ? 0 : at.getLineNr(),
          at == null ? 0 : at.getColumnNr(),
          e.getMessage(),
          e);
    } catch (JacksonIOException e) {
      throw new ClusterStateFileException(file, 0, 0, "cannot read: " + e.getOriginalMessage(), e);
    } catch (JacksonException e) {
      TokenStreamLocation at = e.getLocation();
      if (tooLong(e)) {
        at = parser == null ? at : parser.currentLocation();
        throw new ClusterStateFileException(
            file,
            at == null ? 0 : at.getLineNr(),
            at == null ? 0 : at.getColumnNr(),
            "a single value longer than "
                + MAX_SCALAR_CHARS
                + " characters (the cap: Kubernetes keeps no object over 1.5 MiB)",
            e);
      }
      if (e instanceof StreamConstraintsException) {
        at = at == null && parser != null ? parser.currentLocation() : at;
        String m = String.valueOf(e.getOriginalMessage());
        throw new ClusterStateFileException(
            file,
            at == null ? 0 : at.getLineNr(),
            at == null ? 0 : at.getColumnNr(),
            m.startsWith("Document nesting depth")
                ? "nested deeper than "
                    + CONSTRAINTS.getMaxNestingDepth()
                    + " levels (the most a dump is read with; a Kubernetes object has a few dozen)"
                : firstLine(m),
            e);
      }
      if (notText(e)) {
        throw new ClusterStateFileException(
            file,
            0,
            0,
            "not UTF-8 or UTF-16 text (a binary or otherwise encoded file, not what kubectl get"
                + " -o yaml|json writes)",
            e);
      }
      String problem =
          json
              ? "malformed JSON: " + firstLine(e.getOriginalMessage())
              : "malformed YAML: " + yamlProblem(e.getOriginalMessage());
      String original = String.valueOf(e.getOriginalMessage());
      if (original.contains("end-of-input") || original.contains("<stream end>")) {
        problem += "; the file ends here: it may be truncated";
      }
      throw new SyntaxProblem(
          at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(), problem, e);
    } catch (IOException e) {
      throw new ClusterStateFileException(file, 0, 0, "cannot read: " + e.getMessage(), e);
    } finally {
      if (parser != null) {
        parser.close();
      }
    }
    return collector.result(anyDocument);
  }

  /** Whether the content's last byte is not a line feed, as in a file cut short. */
  private static boolean noFinalNewline(Opener opener) {
    try (InputStream in = opener.open()) {
      int last = -1;
      byte[] buffer = new byte[64 * 1024];
      int n;
      in.skip(Math.max(0, in.available() - 1L));
      while ((n = in.read(buffer)) > 0) {
        last = buffer[n - 1];
      }
      return last != -1 && last != '\n';
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a parse failed because the bytes are not text in the encoding read. */
  private static boolean notText(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.nio.charset.CharacterCodingException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether nothing but the ends of open mappings and lists follows in the file: the object that
   * failed was the last, as in a dump cut short (YAML closes what is open at the end of the input,
   * so a truncated dump parses).
   */
  private static boolean endsHere(JsonParser parser) {
    try {
      JsonToken t;
      while ((t = parser.nextToken()) == JsonToken.END_ARRAY || t == JsonToken.END_OBJECT) {
        // closing what the cut left open
      }
      return t == null;
    } catch (JacksonException e) {
      return false;
    }
  }

  /** Whether a parse failed on a scalar over {@link #MAX_SCALAR_CHARS}. */
  private static boolean tooLong(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ScalarLengthGuard.ValueTooLongException) {
        return true;
      }
      if (t instanceof StreamConstraintsException c
          && c.getOriginalMessage() != null
          && c.getOriginalMessage().startsWith("String value length")) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    String first = message.strip().split("\\R", 2)[0];
    return first.length() <= 200 ? first : first.substring(0, 197) + "...";
  }

  /**
   * Reads one document whose START_OBJECT is the current token. The items of a list are read and
   * converted one at a time as they stream past, with the line each starts at; kubectl writes
   * {@code items} before {@code kind}, so a document with an {@code items} list is taken as a list
   * and its {@code kind} checked at the end.
   */
  private static void readDocument(
      JsonParser parser,
      ObjectTreeReader reader,
      ClusterStateCollector collector,
      int document,
      int line) {
    String where = "document " + document;
    reader.forgetLocations();
    ObjectTreeReader.Budget budget = ObjectTreeReader.objectBudget();
    ObjectNode fields = JsonNodeFactory.instance.objectNode();
    int items = -1;
    String itemsShape = null;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      TokenStreamLocation at = parser.currentTokenLocation();
      if (reader.atMergeKey()) {
        throw new ObjectTreeReader.ValueException(
            at, "malformed YAML: a merge key << at the top of a document is not supported");
      }
      JsonToken value = parser.nextToken();
      if (!"items".equals(name)) {
        FieldSelection selection = FieldSelection.ATTRIBUTION.field(name);
        if (selection != null && fields.has(name)) {
          throw reader.duplicate(name, at);
        }
        TokenStreamLocation valueAt = parser.currentTokenLocation();
        JsonNode node = reader.read(selection, budget);
        if (node != null) {
          fields.set(name, node);
          reader.remember(fields, name, valueAt);
        }
        continue;
      }
      if (items >= 0 || itemsShape != null) {
        throw reader.duplicate(name, at);
      }
      if (value != JsonToken.START_ARRAY) {
        JsonNode node = reader.read(value.isStructStart() ? null : FieldSelection.ALL, budget);
        itemsShape = node == null ? "a mapping" : ClusterStateCollector.shape(node);
        continue;
      }
      items = 0;
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        int itemLine = parser.currentTokenLocation().getLineNr();
        reader.forgetLocations();
        JsonNode item = reader.read(FieldSelection.ATTRIBUTION, ObjectTreeReader.objectBudget());
        collector.add(
            item, where + ", items[" + items + "]", itemLine, path -> reader.locate(item, path));
        items++;
      }
    }
    JsonNode kind = fields.get("kind");
    boolean list = kind != null && kind.isString() && kind.asString().endsWith("List");
    if (list) {
      if (itemsShape != null && !"null".equals(itemsShape)) {
        throw new ClusterStateFileException(
            collector.file(),
            line,
            0,
            where + ": items: expected a list, found " + itemsShape,
            null);
      }
      return;
    }
    if (items >= 0 && kind != null) {
      throw new ClusterStateFileException(
          collector.file(),
          line,
          0,
          where
              + ": items: only a List (kind List, PodList, ...) has items, found kind "
              + ClusterStateCollector.shape(kind),
          null);
    }
    collector.add(fields, where, line, path -> reader.locate(fields, path));
  }

  private static void checkReadable(Path file) {
    String problem = null;
    if (!Files.exists(file)) {
      problem = "no such file";
    } else if (Files.isDirectory(file)) {
      problem = "is a directory, not a file";
    } else if (!Files.isReadable(file)) {
      problem = "cannot read: permission denied";
    } else {
      try {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
          problem = "too large: " + size + " bytes (the limit is " + MAX_FILE_BYTES + ")";
        }
      } catch (IOException e) {
        problem = "cannot read: " + e.getMessage();
      }
    }
    if (problem != null) {
      throw new ClusterStateFileException(file, 0, 0, problem, null);
    }
  }

  private static String shape(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "a list";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      default -> token.toString();
    };
  }

  /**
   * Turns snakeyaml's multi-line message ({@code while parsing X / in reader, line L, column C: /
   * snippet / ^ / problem / in reader, ...}) into one line: the context with its position, then the
   * problem (whose position is the exception's location).
   */
  static String yamlProblem(String message) {
    if (message == null) {
      return "unknown error";
    }
    List<String> texts = new ArrayList<>();
    List<String> marks = new ArrayList<>();
    for (String raw : message.split("\\R")) {
      String text = raw.strip();
      Matcher mark = SNAKEYAML_MARK.matcher(text);
      if (mark.matches()) {
        if (!marks.isEmpty() && marks.get(marks.size() - 1) == null) {
          marks.set(
              marks.size() - 1, " (line " + mark.group(1) + ", column " + mark.group(2) + ")");
        }
      } else if (!text.isEmpty() && !raw.startsWith(" ")) {
        texts.add(text);
        marks.add(null);
      }
    }
    if (texts.isEmpty()) {
      return message.strip();
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < texts.size(); i++) {
      boolean last = i == texts.size() - 1;
      sb.append(i == 0 ? "" : ": ").append(texts.get(i));
      if (!last && marks.get(i) != null) {
        sb.append(marks.get(i));
      }
    }
    return sb.toString();
  }
}
