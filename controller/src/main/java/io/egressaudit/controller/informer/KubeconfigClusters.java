package io.egressaudit.controller.informer;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the live clusters {@code serve} watches from kubeconfig contexts, each one cluster named
 * after its context, and checks them before anything starts: fabric8 quietly falls back to the
 * current context when asked for one that does not exist, which would watch the wrong cluster under
 * the wrong name.
 */
public final class KubeconfigClusters {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private KubeconfigClusters() {}

  /** What a kubeconfig file offers: its contexts and its {@code current-context}. */
  private record Contexts(String where, Set<String> names, String current) {}

  /**
   * Resolves contexts to connections.
   *
   * @param kubeconfig the kubeconfig file; null for fabric8's default resolution ({@code
   *     KUBECONFIG}, else {@code ~/.kube/config})
   * @param contexts context names; empty for the kubeconfig's {@code current-context}
   * @return one connection per context, in order
   * @throws KubeconfigException when no kubeconfig is found or one cannot be read or parsed
   * @throws IllegalArgumentException when a context does not exist or is given twice, or there is
   *     no current context to fall back to; the message lists the contexts there are
   */
  public static List<ClusterConnection> select(Path kubeconfig, List<String> contexts) {
    Contexts offered = kubeconfig != null ? read(kubeconfig) : readDefault();
    List<String> chosen = choose(offered, contexts);
    List<ClusterConnection> out = new ArrayList<>();
    for (String context : chosen) {
      out.add(new ClusterConnection(context, config(kubeconfig, context, offered)));
    }
    return out;
  }

  private static List<String> choose(Contexts offered, List<String> contexts) {
    if (contexts.isEmpty()) {
      if (offered.current() == null || offered.current().isEmpty()) {
        throw new IllegalArgumentException(
            offered.where() + " has no current-context: name one with --context" + list(offered));
      }
      return List.of(offered.current());
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String c : contexts) {
      if (!seen.add(c)) {
        throw new IllegalArgumentException("--context " + c + " is given twice");
      }
      if (!offered.names().contains(c)) {
        throw new IllegalArgumentException(
            offered.where() + " has no context '" + c + "'" + list(offered));
      }
    }
    return List.copyOf(seen);
  }

  private static String list(Contexts offered) {
    return offered.names().isEmpty()
        ? " (it has no contexts)"
        : " (its contexts: " + String.join(", ", offered.names()) + ")";
  }

  private static Config config(Path kubeconfig, String context, Contexts offered) {
    Config config;
    try {
      config =
          kubeconfig != null
              ? Config.fromKubeconfig(context, kubeconfig.toFile())
              : Config.autoConfigure(context);
    } catch (RuntimeException e) {
      throw new KubeconfigException(
          offered.where() + ", context '" + context + "': " + firstLine(e), e);
    }
    if (config.getCurrentContext() == null
        || !context.equals(config.getCurrentContext().getName())) {
      throw new KubeconfigException(
          offered.where() + ": context '" + context + "' could not be selected");
    }
    return config;
  }

  private static Contexts readDefault() {
    List<Path> files = new ArrayList<>();
    for (String name : Config.getKubeconfigFilenames()) {
      Path p = Path.of(name);
      if (Files.isRegularFile(p)) {
        files.add(p);
      }
    }
    if (files.isEmpty()) {
      throw new KubeconfigException(
          "no kubeconfig found ("
              + String.join(File.pathSeparator, Config.getKubeconfigFilenames())
              + " does not exist): give --kubeconfig FILE or set KUBECONFIG");
    }
    Set<String> names = new LinkedHashSet<>();
    String current = null;
    for (Path f : files) {
      Contexts c = read(f);
      names.addAll(c.names());
      current = current != null && !current.isEmpty() ? current : c.current();
    }
    String where = files.size() == 1 ? "kubeconfig " + files.get(0) : "kubeconfig " + files;
    return new Contexts(where, names, current);
  }

  private static Contexts read(Path file) {
    String where = "kubeconfig " + file;
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new KubeconfigException("cannot read " + where + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw new KubeconfigException("cannot read " + where + ": permission denied", e);
    } catch (IOException e) {
      String why = Files.isDirectory(file) ? "it is a directory" : e.getMessage();
      throw new KubeconfigException("cannot read " + where + ": " + why, e);
    }
    io.fabric8.kubernetes.api.model.Config parsed;
    try {
      parsed = SERIALIZATION.unmarshal(text, io.fabric8.kubernetes.api.model.Config.class);
    } catch (RuntimeException e) {
      throw new KubeconfigException(where + " is not a kubeconfig: " + firstLine(e), e);
    }
    if (parsed == null) {
      throw new KubeconfigException(where + " is empty");
    }
    Set<String> names = new LinkedHashSet<>();
    if (parsed.getContexts() != null) {
      for (NamedContext c : parsed.getContexts()) {
        if (c != null && c.getName() != null) {
          names.add(c.getName());
        }
      }
    }
    return new Contexts(where, names, parsed.getCurrentContext());
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    String first = m.strip().split("\\R", 2)[0];
    return first.length() <= 200 ? first : first.substring(0, 197) + "...";
  }
}
