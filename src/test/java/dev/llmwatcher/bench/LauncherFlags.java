package dev.llmwatcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JVM flags {@code bin/llm-watcher} runs the watcher with, so the benchmark measures what the launcher does;
 * {@code LauncherScriptTest} checks that the script passes exactly these, and {@code SystemdFilesTest} that the
 * systemd unit passes {@link #SHIPPED}: the serial collector and C1 only, as on Lambda, a class-metadata threshold
 * above what a drain loads (at the default 21 MB a full collection stopped every drain for 150 ms), and transparent
 * huge pages
 * where the kernel hands them out ({@link #hugePages}).
 */
public final class LauncherFlags {

    public static final List<String> SHIPPED = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:MetaspaceSize=128m");
    public static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";
    /** Where Linux says whether it hands out transparent huge pages: {@code always [madvise] never}. */
    public static final Path THP_SETTING = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private LauncherFlags() {
    }

    /**
     * {@link #HUGE_PAGES} when {@code setting} (a file like {@link #THP_SETTING}) selects {@code always} or
     * {@code madvise}; nothing when it selects {@code never} or is missing (another OS): the JVM would then print two
     * warnings on standard output.
     */
    public static List<String> hugePages(Path setting) {
        String selected;
        try {
            selected = Files.readString(setting);
        } catch (IOException e) {
            return List.of();
        }
        return selected.contains("[always]") || selected.contains("[madvise]") ? List.of(HUGE_PAGES) : List.of();
    }
}
