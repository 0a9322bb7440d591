package io.egressaudit.controller;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Loads a cluster state snapshot from what {@code kubectl get nodes,namespaces,pods,egressips -A -o
 * yaml} (or {@code -o json}) prints.
 *
 * <p>Shapes: a {@code List} ({@code kind: List}, or a typed list such as {@code PodList}, with
 * {@code items}), a single object, or several YAML documents separated by {@code ---}, mixed
 * freely. JSON is read as YAML. {@code Node}, {@code Namespace} and {@code Pod} ({@code v1}) and
 * {@code EgressIP} ({@code k8s.ovn.org/v1}) are converted with {@link KubernetesObjects}; other
 * kinds are skipped with one note per kind. Empty documents (a trailing {@code ---}) are ignored.
 *
 * <p>Files up to {@value #MAX_FILE_BYTES} bytes (256 MiB) are read; objects are parsed one at a
 * time, so the whole file is never held twice.
 */
public final class ClusterStateFile {

  /** The largest file {@link #load} accepts: 256 MiB. */
  public static final long MAX_FILE_BYTES = 256L * 1024 * 1024;

  private static final YAMLMapper YAML =
      new YAMLMapper(
          YAMLFactory.builder()
              // snakeyaml-engine stops at 3 MiB of code points by default; kubectl dumps of real
              // clusters are often tens of MB.
              .loadSettings(LoadSettings.builder().setCodePointLimit((int) MAX_FILE_BYTES).build())
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build());

  private static final Pattern SNAKEYAML_MARK =
      Pattern.compile("in reader, line (\\d+), column (\\d+):?");

  private ClusterStateFile() {}

  /**
   * Reads a file.
   *
   * @param file a YAML or JSON file written by {@code kubectl get ... -o yaml|json}
   * @return the objects and the notes
   * @throws ClusterStateFileException when the file does not exist, is not readable, is larger than
   *     {@value #MAX_FILE_BYTES} bytes, is not well-formed YAML (with the line and column), has a
   *     document or item that is not a mapping, an object without {@code kind} or {@code
   *     apiVersion}, an invalid object (naming the document, the item, the object and the field),
   *     the same object twice, or no node, namespace, pod or EgressIP at all
   */
  public static LoadedClusterState load(Path file) {
    checkReadable(file);
    ClusterStateCollector collector = new ClusterStateCollector(file);
    int documents = 0;
    boolean anyDocument = false;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file));
        JsonParser parser = YAML.createParser(in)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        documents++;
        TokenStreamLocation start = parser.currentTokenLocation();
        if (token == JsonToken.VALUE_NULL) {
          continue; // an empty document
        }
        if (token != JsonToken.START_OBJECT) {
          throw new ClusterStateFileException(
              file,
              start.getLineNr(),
              start.getColumnNr(),
              "document " + documents + ": not a mapping (found " + shape(token) + ")",
              null);
        }
        anyDocument = true;
        readDocument(parser, collector, documents, start.getLineNr());
      }
    } catch (JacksonIOException e) {
      throw new ClusterStateFileException(file, 0, 0, "cannot read: " + e.getOriginalMessage(), e);
    } catch (JacksonException e) {
      TokenStreamLocation at = e.getLocation();
      int line = at == null ? 0 : at.getLineNr();
      int column = at == null ? 0 : at.getColumnNr();
      throw new ClusterStateFileException(
          file, line, column, "malformed YAML: " + yamlProblem(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new ClusterStateFileException(file, 0, 0, "cannot read: " + e.getMessage(), e);
    }
    return collector.result(anyDocument);
  }

  /**
   * Reads one document whose START_OBJECT is the current token. Items of a list are read one by one
   * with the line they start at; the document's other fields are kept until {@code kind} tells
   * whether it is a list, since kubectl writes {@code items} before {@code kind}.
   */
  private static void readDocument(
      JsonParser parser, ClusterStateCollector collector, int document, int line) {
    ObjectNode fields = YAML.createObjectNode();
    List<JsonNode> items = null;
    List<Integer> itemLines = null;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("items".equals(name) && value == JsonToken.START_ARRAY) {
        items = new ArrayList<>();
        itemLines = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          itemLines.add(parser.currentTokenLocation().getLineNr());
          items.add(parser.readValueAsTree());
        }
      } else {
        fields.set(name, parser.readValueAsTree());
      }
    }
    String where = "document " + document;
    JsonNode kind = fields.get("kind");
    boolean list = kind != null && kind.isString() && kind.asString().endsWith("List");
    if (!list) {
      if (items != null) {
        ArrayNode array = fields.putArray("items");
        items.forEach(array::add);
      }
      collector.add(fields, where, line);
      return;
    }
    JsonNode other = fields.get("items");
    if (other != null && !other.isNull()) {
      String found = ClusterStateCollector.shape(other);
      throw new ClusterStateFileException(
          collector.file(), line, 0, where + ": items: expected a list, found " + found, null);
    }
    for (int i = 0; items != null && i < items.size(); i++) {
      collector.add(items.get(i), where + ", items[" + i + "]", itemLines.get(i));
    }
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
