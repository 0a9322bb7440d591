package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/egress-audit}, run by {@code sh} in a copy of the repository's layout whose {@code
 * mvnw} and {@code java} only write down how they were called: the jar is rebuilt when it is
 * missing or older than a source under {@code * /src/main} or a {@code pom.xml}, offline first, and
 * not otherwise.
 */
class LauncherScriptTest {

  private static final Path SCRIPT = Path.of("..", "bin", "egress-audit");
  private static final FileTime BUILT = FileTime.from(Instant.parse("2026-01-02T00:00:00Z"));
  private static final FileTime BEFORE = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
  private static final FileTime AFTER = FileTime.from(Instant.parse("2026-01-03T00:00:00Z"));

  @TempDir Path repo;

  private Path jar;
  private Path calls;

  private record Run(int code, String err, List<String> calls) {}

  @BeforeEach
  void layout() throws IOException {
    Files.createDirectories(repo.resolve("bin"));
    Files.copy(SCRIPT, repo.resolve("bin/egress-audit"));
    calls = repo.resolve("calls.txt");
    Files.writeString(calls, "");
    Path tools = Files.createDirectories(repo.resolve("tools"));
    // mvnw: fails offline when told to (no OFFLINE_OK file), else "builds" the jar
    executable(
        repo.resolve("mvnw"),
        "echo \"mvnw $*\" >> \""
            + calls
            + "\"\n"
            + "case \"$*\" in *' -o '*) [ -f \""
            + repo.resolve("OFFLINE_OK")
            + "\" ] || exit 1;;"
            + " esac\n"
            + "mkdir -p audit-server/target && touch audit-server/target/egress-audit.jar\n");
    executable(tools.resolve("java"), "echo \"java $*\" >> \"" + calls + "\"\n");
    Path source = repo.resolve("audit-server/src/main/java/io/egressaudit/Main.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, "class Main {}\n");
    Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
    Files.writeString(repo.resolve("audit-server/pom.xml"), "<project/>\n");
    Files.writeString(repo.resolve("OFFLINE_OK"), "");
    jar = repo.resolve("audit-server/target/egress-audit.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "");
    for (Path p : List.of(source, repo.resolve("pom.xml"), repo.resolve("audit-server/pom.xml"))) {
      Files.setLastModifiedTime(p, BEFORE);
    }
    Files.setLastModifiedTime(jar, BUILT);
  }

  @Test
  void aJarNewerThanEverySourceRunsWithoutABuild() throws Exception {
    Run r = launch("whois", "192.168.126.100");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.calls()).containsExactly("java -jar " + jar + " whois 192.168.126.100");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void aSourceNewerThanTheJarRebuildsItOfflineQuietlyThenRuns() throws Exception {
    Files.setLastModifiedTime(
        repo.resolve("audit-server/src/main/java/io/egressaudit/Main.java"), AFTER);

    Run r = launch("clusters");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.calls())
        .containsExactly("mvnw -q -B -o -DskipTests package", "java -jar " + jar + " clusters");
    assertThat(r.err().strip().lines())
        .containsExactly("egress-audit: building " + jar + " (sources changed; takes a minute)...");
  }

  @Test
  void aNewerPomRebuildsOnlineWhenOfflineFails() throws Exception {
    Files.setLastModifiedTime(repo.resolve("audit-server/pom.xml"), AFTER);
    Files.delete(repo.resolve("OFFLINE_OK"));

    Run r = launch("clusters");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.calls())
        .containsExactly(
            "mvnw -q -B -o -DskipTests package",
            "mvnw -q -B -DskipTests package",
            "java -jar " + jar + " clusters");
    assertThat(r.err()).contains("a pom.xml changed");
  }

  @Test
  void aMissingJarIsBuilt() throws Exception {
    Files.delete(jar);

    Run r = launch("--version");

    assertThat(r.calls())
        .containsExactly("mvnw -q -B -o -DskipTests package", "java -jar " + jar + " --version");
    assertThat(r.err()).contains("first run");
  }

  private Run launch(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("sh", "bin/egress-audit"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile());
    Map<String, String> env = pb.environment();
    env.put("PATH", repo.resolve("tools") + ":" + env.get("PATH"));
    Path err = repo.resolve("launch.err");
    pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(
        p.exitValue(),
        Files.readString(err, StandardCharsets.UTF_8),
        Files.readAllLines(calls, StandardCharsets.UTF_8));
  }

  private static void executable(Path file, String body) throws IOException {
    Files.writeString(file, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
