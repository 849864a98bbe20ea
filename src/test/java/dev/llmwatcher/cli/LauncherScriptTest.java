package dev.llmwatcher.cli;

import dev.llmwatcher.bench.AotCache;
import dev.llmwatcher.bench.Benchmark;
import dev.llmwatcher.bench.LauncherFlags;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/llm-watcher} in a scratch checkout against a stand-in JDK whose {@code java} logs its arguments, records
 * a configuration and creates a cache when asked to, and exits as told. The benchmark runs the real JVM with the same
 * flags ({@link AotCache}), so together they show that the launcher's later runs start from a cache its first
 * successful run made.
 */
class LauncherScriptTest {

    private static final String STUB_JAVA = """
            #!/bin/sh
            printf '%s\\n' "$@" >> "$STUB_LOG"
            echo '--' >> "$STUB_LOG"
            mode=run
            for arg in "$@"; do
              case "$arg" in
                -XX:AOTMode=record) mode=record ;;
                -XX:AOTMode=create) mode=create ;;
              esac
            done
            for arg in "$@"; do
              case "$mode:$arg" in
                record:-XX:AOTConfiguration=*) printf 'recorded' > "${arg#*=}" ;;
                create:-XX:AOTCache=*)
                  if [ -n "$STUB_CREATE_FAILS" ]; then echo "cannot create: $STUB_CREATE_FAILS"; exit 1; fi
                  printf 'cache' > "${arg#*=}" ;;
              esac
            done
            [ "$mode" = create ] && exit 0
            echo "the command's own output"
            if [ -n "$STUB_RUN_UNTIL_TERM" ]; then
              trap 'echo "stopped by SIGTERM"; exit 0' TERM
              touch "$STUB_RUN_UNTIL_TERM"
              while :; do sleep 0.05; done
            fi
            exit "$STUB_STATUS"
            """;

    /** The JVM flags on a machine that hands out transparent huge pages, as the tests' setting file says. */
    private static final List<String> FLAGS = Benchmark.plus(LauncherFlags.SHIPPED, LauncherFlags.HUGE_PAGES);

    @TempDir
    Path dir;
    private Path hugePageSetting;
    private Path root;
    private Path target;
    private Path jar;
    private Path jdk;
    private Path log;

    @BeforeEach
    void checkoutAndJdk() throws IOException {
        root = Files.createDirectories(dir.resolve("checkout"));
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("bin/llm-watcher"), root.resolve("bin/llm-watcher"));
        Files.copy(Path.of("bin/jdk.sh"), root.resolve("bin/jdk.sh"));
        FileTime hourAgo = FileTime.from(Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(Files.createDirectories(root.resolve("src/main")), hourAgo);
        Files.setLastModifiedTime(Files.writeString(root.resolve("pom.xml"), "<project/>"), hourAgo);
        target = Files.createDirectories(root.resolve("target"));
        jar = Files.writeString(target.resolve("llm-watcher.jar"), "jar");
        jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("lib"));
        Files.writeString(jdk.resolve("lib/modules"), "modules");
        jdkVersion("25.0.3");
        executable(jdk.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
        executable(jdk.resolve("bin/java"), STUB_JAVA);
        log = dir.resolve("java.log");
        hugePageSetting = Files.writeString(dir.resolve("thp-enabled"), "always [madvise] never\n");
    }

    @Test
    void aFailedFirstRunRecordsButKeepsNothing() throws Exception {
        List<List<String>> calls = run(1, "", "--once");

        assertThat(calls).singleElement().satisfies(call -> assertThat(call)
                .startsWith(FLAGS.toArray(String[]::new)).containsAll(AotCache.QUIET_FLAGS)
                .containsSequence(AotCache.RECORDING_FLAGS)
                .anyMatch(arg -> arg.matches(
                        "-XX:AOTConfiguration=.*/target/llm-watcher-watch-\\d+\\.aot\\.\\d+\\.config"))
                .endsWith("-jar", jar.toString(), "--once"));
        assertThat(targetFiles()).containsExactly("llm-watcher.jar");
    }

    @Test
    void theFirstSuccessfulRunMakesTheCacheAndLaterRunsStartFromIt() throws Exception {
        List<List<String>> first = run(0, "", "--once");

        assertThat(first).hasSize(2);
        String config = valueOf(first.get(0), "-XX:AOTConfiguration=");
        List<String> create = first.get(1);
        assertThat(create).startsWith(FLAGS.toArray(String[]::new)).containsAll(AotCache.QUIET_FLAGS)
                .contains("-XX:AOTMode=create", "-XX:AOTConfiguration=" + config).endsWith("-cp", jar.toString());
        assertThat(targetFiles()).as("the cache alone: no configuration, partial file or log left")
                .containsExactly("llm-watcher-watch-" + key() + ".aot", "llm-watcher.jar");
        Path cache = target.resolve(targetFiles().getFirst());
        assertThat(valueOf(create, "-XX:AOTCache=")).as("written aside, then renamed into place")
                .startsWith(cache + ".").endsWith(".tmp");

        List<List<String>> later = run(0, "", "--once");

        assertThat(later).singleElement().satisfies(call -> assertThat(call)
                .startsWith(FLAGS.toArray(String[]::new)).containsAll(AotCache.QUIET_FLAGS)
                .contains("-XX:AOTCache=" + cache).noneMatch(arg -> arg.startsWith("-XX:AOTMode"))
                .endsWith("-jar", jar.toString(), "--once"));
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo("the command's own output\n");
    }

    @Test
    void eachCommandHasItsOwnCacheAndANewJarOrJdkANewOne() throws Exception {
        run(0, "", "--once");
        run(0, "", "status", "--json");
        List<String> made = targetFiles();
        assertThat(made).hasSize(3).anyMatch(name -> name.startsWith("llm-watcher-status-"))
                .anyMatch(name -> name.startsWith("llm-watcher-watch-"));

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(run(0, "", "--once")).as("the new jar's cache is recorded").hasSize(2);
        List<String> oldWatch = made.stream().filter(name -> name.startsWith("llm-watcher-watch-")).toList();
        List<String> oldStatus = made.stream().filter(name -> name.startsWith("llm-watcher-status-")).toList();
        assertThat(targetFiles()).as("the old jar's watch cache is gone; status's waits for its next run")
                .hasSize(3).containsAll(oldStatus).doesNotContainAnyElementsOf(oldWatch);

        Files.writeString(jdk.resolve("lib/modules"), "another JDK's modules");
        assertThat(run(0, "", "--once")).as("another JDK: recorded again").hasSize(2);
    }

    @Test
    void aCacheThatCannotBeMadeIsNotTriedAgainForThatJarAndJdk() throws Exception {
        run(0, "unsupported class file", "--once");

        Path failed = target.resolve("llm-watcher-watch-" + key() + ".aot.failed");
        assertThat(failed).content().contains("cannot create: unsupported class file");
        assertThat(targetFiles()).containsExactly(failed.getFileName().toString(), "llm-watcher.jar");

        List<List<String>> next = run(0, "", "--once");

        assertThat(next).singleElement().isEqualTo(Benchmark.plus(FLAGS, "-jar", jar.toString(), "--once"));
    }

    @Test
    void helpAndJdksBefore25RunWithoutACache() throws Exception {
        assertThat(run(0, "", "--once", "--help")).singleElement()
                .isEqualTo(Benchmark.plus(FLAGS, "-jar", jar.toString(), "--once", "--help"));

        jdkVersion("21.0.5");
        assertThat(run(0, "", "--once")).singleElement()
                .isEqualTo(Benchmark.plus(FLAGS, "-jar", jar.toString(), "--once"));
        assertThat(targetFiles()).containsExactly("llm-watcher.jar");
    }

    /**
     * Huge pages only where the kernel hands them out: where it does not, the JVM prints two warnings on standard
     * output. The benchmark reads the setting the same way.
     */
    @Test
    void transparentHugePagesOnlyWhereTheKernelHandsThemOut() throws Exception {
        Map<String, Boolean> settings = Map.of("[always] madvise never\n", true, "always [madvise] never\n", true,
                "always madvise [never]\n", false);
        for (Map.Entry<String, Boolean> setting : settings.entrySet()) {
            Files.writeString(hugePageSetting, setting.getKey());

            List<String> call = run(0, "", "--once", "--help").getFirst();

            assertThat(call.contains(LauncherFlags.HUGE_PAGES)).as(setting.getKey()).isEqualTo(setting.getValue());
            assertThat(LauncherFlags.hugePages(hugePageSetting).contains(LauncherFlags.HUGE_PAGES))
                    .as("the benchmark, " + setting.getKey()).isEqualTo(setting.getValue());
        }
        Files.delete(hugePageSetting);

        assertThat(run(0, "", "--once", "--help")).as("no such file: another OS").singleElement()
                .isEqualTo(Benchmark.plus(LauncherFlags.SHIPPED, "-jar", jar.toString(), "--once", "--help"));
        assertThat(LauncherFlags.hugePages(hugePageSetting)).isEmpty();
    }

    /** A long-running first run stopped with SIGTERM (systemd, kill) or Ctrl-C stops gracefully and is recorded. */
    @Test
    void aRecordingRunStoppedBySignalStopsGracefullyAndIsKept() throws Exception {
        Path running = dir.resolve("running");
        ProcessBuilder builder = new ProcessBuilder("/bin/bash", root.resolve("bin/llm-watcher").toString())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        builder.environment().putAll(Map.of("JAVA_HOME", jdk.toString(), "STUB_LOG", log.toString(),
                "STUB_STATUS", "0", "STUB_CREATE_FAILS", "", "STUB_RUN_UNTIL_TERM", running.toString(),
                "LLM_WATCHER_THP_SETTING", hugePageSetting.toString()));
        Process launcher = builder.start();
        long until = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(running) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(running).as("the watcher started").exists();

        launcher.destroy();

        assertThat(launcher.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).as(Files.readString(dir.resolve("err"))).isZero();
        assertThat(Files.readString(dir.resolve("out"))).contains("stopped by SIGTERM");
        assertThat(targetFiles()).as("recorded, then made").containsExactly("llm-watcher-watch-" + key() + ".aot",
                "llm-watcher.jar");
    }

    @Test
    void theExitStatusIsTheCommandsWhetherItRecordsOrNot() throws Exception {
        run(3, "", "--once");
        run(0, "", "--once");
        run(3, "", "--once");
    }

    /** Runs the script with the stub JDK; asserts its exit status; returns each java call's arguments. */
    private List<List<String>> run(int status, String createFails, String... args) throws Exception {
        Files.deleteIfExists(log);
        List<String> command = new ArrayList<>(List.of("/bin/bash", root.resolve("bin/llm-watcher").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        builder.environment().putAll(Map.of("JAVA_HOME", jdk.toString(), "STUB_LOG", log.toString(),
                "STUB_STATUS", Integer.toString(status), "STUB_CREATE_FAILS", createFails,
                "LLM_WATCHER_THP_SETTING", hugePageSetting.toString()));
        assertThat(builder.start().waitFor()).as(Files.readString(dir.resolve("err"))).isEqualTo(status);
        List<List<String>> calls = new ArrayList<>();
        List<String> call = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.equals("--")) {
                calls.add(call);
                call = new ArrayList<>();
            } else {
                call.add(line);
            }
        }
        return calls;
    }

    private String key() throws IOException {
        String name = targetFiles().stream().filter(file -> file.startsWith("llm-watcher-watch-")).findFirst()
                .orElseThrow();
        return name.replaceAll("llm-watcher-watch-(\\d+)\\..*", "$1");
    }

    private List<String> targetFiles() throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private static String valueOf(List<String> call, String prefix) {
        return call.stream().filter(arg -> arg.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
    }

    private void jdkVersion(String version) throws IOException {
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
    }

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
