package dev.llmwatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The ahead-of-time cache {@code bin/llm-watcher} keeps on JDK 25 and newer, made the way it makes it: the first run
 * records its configuration ({@link #recordFlags()}), a JVM of its own turns that into the cache
 * ({@link #createFlags()}), and later runs start from it ({@link #useFlags()}). LauncherScriptTest checks that the
 * script passes exactly these flags, so the benchmark measures what the launcher does.
 *
 * @param cache  the cache file
 * @param config the recorded configuration it is made from
 */
public record AotCache(Path cache, Path config) {

    /**
     * The first JDK the launcher makes a cache on: JDK 24 brought the cache (JEP 483), 25 added method profiles to it
     * (JEP 515) and is the first long-term-support release with it.
     */
    public static final int FIRST_JDK = 25;
    /** Nothing on the console about a cache the JVM cannot use: it falls back to loading classes as usual. */
    public static final List<String> QUIET_FLAGS = List.of("-Xlog:aot*=off", "-Xlog:cds*=off");
    /**
     * The recording run's console messages off: the JVM would announce on standard output, even after a failed run,
     * that it recorded a configuration.
     */
    public static final List<String> RECORDING_FLAGS = List.of("-XX:+UnlockDiagnosticVMOptions",
            "-XX:-DisplayVMOutput", "-XX:AOTMode=record");

    /** A cache in {@code dir}, created if missing (a JVM records nothing into a directory that does not exist). */
    static AotCache in(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new AotCache(dir.resolve("watch.aot"), dir.resolve("watch.aot.config"));
    }

    /** Whether the JDK running the benchmark (and so its child JVMs) can make and use a cache. */
    static boolean supported() {
        return Runtime.version().feature() >= FIRST_JDK;
    }

    List<String> recordFlags() {
        return Benchmark.plus(Benchmark.plus(QUIET_FLAGS, RECORDING_FLAGS.toArray(String[]::new)),
                "-XX:AOTConfiguration=" + config);
    }

    List<String> createFlags() {
        return Benchmark.plus(QUIET_FLAGS, "-XX:AOTMode=create", "-XX:AOTConfiguration=" + config,
                "-XX:AOTCache=" + cache);
    }

    List<String> useFlags() {
        return Benchmark.plus(QUIET_FLAGS, "-XX:AOTCache=" + cache);
    }
}
