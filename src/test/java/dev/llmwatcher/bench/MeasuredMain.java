package dev.llmwatcher.bench;

import dev.llmwatcher.cli.Main;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real command line ({@link Main#main}, exit included) in the child JVM the benchmark measures, and at
 * exit writes that process's own figures to the file named by {@value #FIGURES_PROPERTY}: CPU time, peak heap, peak
 * RSS ({@code VmHWM}) and when {@code main} started and ended on the JVM's clock. Nothing is loaded for the
 * measurement until the shutdown hook runs, except with {@value #LIVE_SET_PROPERTY}: then a thread forces a full
 * collection every so often and keeps the largest heap in use after one (the live set), at some CPU cost, so only
 * the memory drains ask for it.
 */
public final class MeasuredMain {

    static final String FIGURES_PROPERTY = "llmwatcher.bench.figures";
    /** When set (milliseconds), a full GC every so often measures the live heap; only for the memory drains. */
    static final String LIVE_SET_PROPERTY = "llmwatcher.bench.liveSetEveryMillis";
    private static volatile long maxLiveHeap = -1;
    private static final Pattern VM_HWM = Pattern.compile("VmHWM:\\s+(\\d+) kB");

    private MeasuredMain() {
    }

    public static void main(String[] args) {
        long mainStarted = System.nanoTime();
        long mainStartedEpochMillis = System.currentTimeMillis();
        Path figures = Path.of(System.getProperty(FIGURES_PROPERTY));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> write(figures, mainStarted, mainStartedEpochMillis)));
        Long every = Long.getLong(LIVE_SET_PROPERTY);
        if (every != null) {
            Thread.ofPlatform().daemon().name("live-set-sampler").start(() -> sampleLiveHeap(every));
        }
        Main.main(args);
    }

    private static void write(Path figures, long mainStarted, long mainStartedEpochMillis) {
        long runNanos = System.nanoTime() - mainStarted;
        long endEpochMillis = System.currentTimeMillis();
        if (Long.getLong(LIVE_SET_PROPERTY) != null) {
            sampleLiveHeap();
        }
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        long cpuNanos = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
        long gcMillis = 0;
        long gcCount = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMillis += Math.max(0, collector.getCollectionTime());
            gcCount += Math.max(0, collector.getCollectionCount());
        }
        String text = "runNanos=" + runNanos + "\ncpuNanos=" + cpuNanos + "\npeakHeapBytes=" + peakHeap
                + "\npeakRssBytes=" + peakRssBytes() + "\nmaxLiveHeapBytes=" + maxLiveHeap
                + "\nmainStartedEpochMillis=" + mainStartedEpochMillis + "\nendEpochMillis=" + endEpochMillis
                + "\nclassSharing=" + classSharing() + "\ngcMillis=" + gcMillis + "\ngcCount=" + gcCount + "\n";
        try {
            Files.writeString(figures, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Heap in use right after a full collection: what the drain really holds, garbage excluded. */
    private static void sampleLiveHeap(long everyMillis) {
        while (true) {
            try {
                Thread.sleep(everyMillis);
            } catch (InterruptedException e) {
                return;
            }
            sampleLiveHeap();
        }
    }

    private static synchronized void sampleLiveHeap() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        maxLiveHeap = Math.max(maxLiveHeap, used);
    }

    /**
     * Whether the JVM maps class data from an archive ("mixed mode, sharing"): the JDK's own or an AOT cache. A JVM
     * given an AOT cache it cannot use maps nothing at all, so with one this says the cache was used.
     */
    private static boolean classSharing() {
        return System.getProperty("java.vm.info", "").contains("sharing");
    }

    private static long peakRssBytes() {
        try {
            Matcher matcher = VM_HWM.matcher(Files.readString(Path.of("/proc/self/status")));
            return matcher.find() ? Long.parseLong(matcher.group(1)) * 1024 : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
