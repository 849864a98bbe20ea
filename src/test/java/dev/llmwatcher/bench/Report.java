package dev.llmwatcher.bench;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The benchmark's figures as a Markdown table: measured, reference, ratio, target (as in {@code BENCHMARKS.md}). */
final class Report {

    private static final double MB = 1024.0 * 1024.0;

    private Report() {
    }

    static String table(Figures f) {
        int c = f.scale().concurrency();
        double latency = f.scale().fixedLatency().toMillis();
        StringBuilder out = new StringBuilder();
        out.append("\n| # | Figure | Measured | Reference | Ratio | Target |\n|---|---|---|---|---|---|\n");
        Figures.Drain fixed = f.fixed();
        double fixedIdeal = c * 1000.0 / latency;
        row(out, "1a", ("Throughput, L = %.0f ms fixed, C = %d, %d docs of 1-10 KB (as bin/llm-watcher runs it: C1 "
                + "only, as on Lambda; %s)").formatted(latency, c, fixed.docs(), f.aotCache()
                ? "from the AOT cache its first run made" : "no AOT cache before JDK " + AotCache.FIRST_JDK),
                docsPerSecond(fixed.throughput()), "ideal C/L = " + docsPerSecond(fixedIdeal),
                ratio(fixed.throughput() / fixedIdeal), ">= 0.90");
        row(out, "1d", "Calling phase of 1a: from the first LLM request to the last answer (the watcher's start-up and "
                        + "final write-back excluded)",
                docsPerSecond(fixed.callingThroughput()), "ideal C/L = " + docsPerSecond(fixedIdeal)
                        + ("; 1a's %.2f s run: %.2f s before the first request, %.2f s calling, %.2f s after the last "
                        + "answer; the watcher's GC paused it %d times for %d ms in all").formatted(fixed.runSeconds(),
                        fixed.headSeconds(), fixed.callingSeconds(), fixed.tailSeconds(), fixed.gcCount(),
                        fixed.gcMillis()),
                ratio(fixed.callingThroughput() / fixedIdeal), "-");
        Figures.Drain withoutCache = f.fixedWithoutCache();
        row(out, "1f", "Throughput, as 1a without the AOT cache (`java -jar`, or a JDK before "
                        + AotCache.FIRST_JDK + ")",
                docsPerSecond(withoutCache.throughput()), "ideal C/L = " + docsPerSecond(fixedIdeal)
                        + "; %.2f s before the first request (1a: %.2f s), %.2f s CPU (1a: %.2f s)".formatted(
                        withoutCache.headSeconds(), fixed.headSeconds(), withoutCache.cpuSeconds(), fixed.cpuSeconds()),
                ratio(withoutCache.throughput() / fixedIdeal), "-");
        Figures.Drain scaleOut = f.scaleOut();
        row(out, "1g", ("Scale-out: %d drainer processes side by side on one queue of %d docs, each with C = %d, "
                        + "calling phase, against one (1d)").formatted(Benchmark.SCALE_OUT_DRAINERS, scaleOut.docs(),
                        c),
                docsPerSecond(scaleOut.callingThroughput()), ("one drainer %s (1d); ideal %d x C/L = %s; %.2f s "
                        + "CPU of the drainers, %.2f ms per document (1a: %.2f)").formatted(
                        docsPerSecond(fixed.callingThroughput()), Benchmark.SCALE_OUT_DRAINERS,
                        docsPerSecond(Benchmark.SCALE_OUT_DRAINERS * fixedIdeal), scaleOut.cpuSeconds(),
                        scaleOut.cpuMillisPerDoc(), fixed.cpuMillisPerDoc()),
                ratio(scaleOut.callingThroughput() / fixed.callingThroughput()) + "x", ">= 2.4x");
        Figures.Drain defaultJit = f.fixedDefaultJit();
        row(out, "1c", "Throughput, as 1a with the JVM's default JIT (C1 then C2), for reference",
                docsPerSecond(defaultJit.throughput()), "ideal C/L = " + docsPerSecond(fixedIdeal),
                ratio(defaultJit.throughput() / fixedIdeal), "-");
        Figures.Drain tail = f.tail();
        double mean = LatencyModel.meanMillis(tail.latencies());
        double tailIdeal = c * 1000.0 / mean;
        row(out, "1b", "Throughput, log-normal latency (median %d ms, p99 %d ms, mean %.0f ms), %d docs".formatted(
                        LatencyModel.percentile(tail.latencies(), 0.5), LatencyModel.percentile(tail.latencies(), 0.99),
                        mean, tail.docs()),
                docsPerSecond(tail.throughput()), "ideal C/mean = " + docsPerSecond(tailIdeal),
                ratio(tail.throughput() / tailIdeal), ">= 0.85");
        Figures.Drain limited = f.limited();
        int n = f.scale().providerLimit();
        double limitedIdeal = Math.min(c, n) * 1000.0 / latency;
        row(out, "1e", ("Throughput, L = %.0f ms fixed, C = %d, against a provider limited to N = %d requests in flight "
                        + "(429 without Retry-After above N), %d docs").formatted(latency, c, n, limited.docs()),
                docsPerSecond(limited.throughput()), "ideal min(C, N)/L = " + docsPerSecond(limitedIdeal)
                        + "; %.2f LLM requests per document (429s included)".formatted(
                        (double) limited.llmRequests() / limited.docs()),
                ratio(limited.throughput() / limitedIdeal), "-");
        double batchFixed = fixed.docs() / LatencyModel.batchAndWaitSeconds(fixed.latencies(), c);
        row(out, "2a", "Original's batch-then-wait, same fixed-latency samples", docsPerSecond(batchFixed),
                "ours " + docsPerSecond(fixed.throughput()), ratio(batchFixed / fixedIdeal) + " of ideal", "-");
        double batchTail = tail.docs() / LatencyModel.batchAndWaitSeconds(tail.latencies(), c);
        row(out, "2b", "Original's batch-then-wait, same long-tailed samples", docsPerSecond(batchTail),
                "ours " + docsPerSecond(tail.throughput()), ratio(batchTail / tailIdeal) + " of ideal; ours "
                        + ratio(tail.throughput() / batchTail) + "x faster", "-");
        Figures.Drain small = f.memorySmall();
        Figures.Drain large = f.memoryLarge();
        double marginal = (large.cpuSeconds() - small.cpuSeconds()) * 1000 / (large.docs() - small.docs());
        row(out, "3a", "Watcher CPU per document (whole process, start-up included)",
                "%.3f ms (1a), %.3f ms (1c), %.3f ms (1b)".formatted(fixed.cpuMillisPerDoc(),
                        defaultJit.cpuMillisPerDoc(), tail.cpuMillisPerDoc()),
                "%.2f s CPU over %.2f s run (1a)".formatted(fixed.cpuSeconds(), fixed.runSeconds()), "-", "<< 1 ms");
        row(out, "3b", "Watcher CPU per extra 10 KB document (%d vs %d docs)".formatted(large.docs(), small.docs()),
                "%.3f ms".formatted(marginal), "-", "-", "<< 1 ms");
        Figures.Drain bedrock = f.bedrock();
        row(out, "3f", ("Watcher CPU per document, Bedrock: 1a's drain (%d docs, C = %d, L = %.0f ms) with every "
                        + "document for Bedrock (the AWS SDK's Converse, SigV4, url-connection-client)").formatted(
                        bedrock.docs(), c, latency),
                "%.3f ms".formatted(bedrock.cpuMillisPerDoc()),
                "Ollama (1a) %.3f ms; Bedrock drain %s of ideal %s, %.2f s CPU over %.2f s run".formatted(
                        fixed.cpuMillisPerDoc(), docsPerSecond(bedrock.throughput()), docsPerSecond(fixedIdeal),
                        bedrock.cpuSeconds(), bedrock.runSeconds()),
                ratio(bedrock.cpuMillisPerDoc() / fixed.cpuMillisPerDoc()) + " (Bedrock/Ollama)", "<= 1.5 ms");
        double cores = Runtime.getRuntime().availableProcessors();
        double cpuAtIdeal = (fixed.cpuMillisPerDoc() + fixed.esCpuMillisPerDoc() + fixed.driverCpuMillisPerDoc())
                * fixedIdeal / 1000;
        double cpuAtIdealC2 = (defaultJit.cpuMillisPerDoc() + defaultJit.esCpuMillisPerDoc()
                + defaultJit.driverCpuMillisPerDoc()) * fixedIdeal / 1000;
        row(out, "3e", "CPU per document on this machine: watcher / Elasticsearch / fake LLM",
                "%.2f / %.2f / %.2f ms (1a); %.2f / %.2f / %.2f ms (1c)".formatted(fixed.cpuMillisPerDoc(),
                        fixed.esCpuMillisPerDoc(), fixed.driverCpuMillisPerDoc(), defaultJit.cpuMillisPerDoc(),
                        defaultJit.esCpuMillisPerDoc(), defaultJit.driverCpuMillisPerDoc()),
                "all three at the ideal rate need %.1f cores (1a), %.1f (1c); the machine has %.0f".formatted(
                        cpuAtIdeal, cpuAtIdealC2, cores),
                ratio(cpuAtIdeal / cores) + ", " + ratio(cpuAtIdealC2 / cores), "< 1.0");
        RouteStats requests = fixed.esRequests();
        row(out, "3c", "Elasticsearch requests per 1,000 docs (1a)", "%.1f".formatted(fixed.esRequestsPer1000()),
                breakdown(requests.requestsByKind(), String::valueOf), "-", "few");
        RouteStats.Millis handling = requests.handling();
        String perDoc = range("%.1f", handling.min() / fixed.docs(), handling.max() / fixed.docs()) + " ms";
        String busy = range("%.1f", handling.min() / 1000, handling.max() / 1000) + " s";
        String perKind = breakdown(requests.handlingByKind(), millis -> range("%.0f", millis.min(), millis.max())
                + " ms");
        row(out, "3d", "Elasticsearch handling time per document, summed over requests (1a; bounds from its "
                + "power-of-two histograms)", perDoc, "ES busy %s of the %.1f s run; %s".formatted(busy,
                fixed.runSeconds(), perKind), "-", "-");
        row(out, "4a", "Peak heap, %d vs %d docs of 10 KB (%s)".formatted(small.docs(), large.docs(),
                        f.scale().childHeap()), "%.0f MB vs %.0f MB".formatted(small.peakHeapBytes() / MB,
                        large.peakHeapBytes() / MB), "-", ratio((double) large.peakHeapBytes() / small.peakHeapBytes())
                        + " (large/small)", "~1.0, no growth");
        row(out, "4b", "Peak RSS (VmHWM), same runs", "%.0f MB vs %.0f MB".formatted(small.peakRssBytes() / MB,
                        large.peakRssBytes() / MB), "Lambda 512 MB", ratio(large.peakRssBytes() / MB / 512),
                "< 1.0");
        row(out, "4c", "Live heap: largest heap in use after a forced full GC (every %d s), same runs".formatted(
                        Benchmark.LIVE_SET_EVERY.toSeconds()), "%.0f MB vs %.0f MB".formatted(
                        small.maxLiveHeapBytes() / MB, large.maxLiveHeapBytes() / MB), "-",
                ratio((double) large.maxLiveHeapBytes() / small.maxLiveHeapBytes()) + " (large/small)",
                "~1.0, no growth");
        Figures.Startup watcher = f.watcher();
        Figures.Startup hello = f.hello();
        row(out, "5a", "Start-up: JVM start to end of first pass on an empty queue (median of %d, Lambda flags)"
                        .formatted(f.scale().startupRuns()), "%.0f ms (process %.0f ms)".formatted(
                        watcher.medianUptimeMillis(), watcher.medianWallMillis()),
                "hello handler %.0f ms (process %.0f ms)".formatted(hello.medianUptimeMillis(),
                        hello.medianWallMillis()), "+%.0f ms ours".formatted(watcher.medianUptimeMillis()
                        - hello.medianUptimeMillis()), "small");
        row(out, "5b", "Classes loaded (not from the JDK image)", "%d (%d)".formatted(watcher.classesLoaded(),
                        watcher.appClassesLoaded()), "hello %d (%d)".formatted(hello.classesLoaded(),
                        hello.appClassesLoaded()),
                "+%d ours".formatted(watcher.classesLoaded() - hello.classesLoaded()),
                "-");
        Figures.Startup primed = f.primed();
        row(out, "5d", "First invocation on an empty queue once the handler is built: after SnapStart priming (what "
                        + "a restored snapshot pays, the restore aside) vs without (median of %d, Lambda flags)"
                        .formatted(f.scale().startupRuns()),
                "%.0f ms primed".formatted(primed.medianInvocationMillis()),
                "%.0f ms unprimed; hello handler %.0f ms".formatted(watcher.medianInvocationMillis(),
                        hello.medianInvocationMillis()),
                ratio(primed.medianInvocationMillis() / watcher.medianInvocationMillis()) + " (primed/unprimed)",
                "small");
        Figures.Package pkg = f.deployment();
        row(out, "5c", "Deployment package: the Lambda package (make build-WatcherFunction, elasticsearch-java "
                        + "shrunk), and the command line's shaded jar",
                "Lambda %.1f MB: classes %.2f MB + %d runtime jars %.1f MB".formatted(
                        (pkg.classesBytes() + pkg.runtimeJarsBytes()) / MB, pkg.classesBytes() / MB,
                        pkg.runtimeJars(), pkg.runtimeJarsBytes() / MB),
                pkg.shadedJarBytes() < 0 ? "shaded jar not built" : "shaded jar %.1f MB".formatted(
                        pkg.shadedJarBytes() / MB), "-", "<= 20 MB");
        answerCacheRows(out, f.answerCache(), latency);
        out.append("\nChecks: ").append(check(fixed)).append("; ").append(check(withoutCache)).append("; ")
                .append(check(defaultJit)).append("; ")
                .append(check(tail)).append("; ").append(check(limited)).append("; ")
                .append(check(small)).append("; ").append(check(large)).append("; ")
                .append(check(f.answerCache().tenPercent())).append("; ").append(check(f.answerCache().allHits()))
                .append("; ").append(check(f.answerCache().writePath())).append("; ").append(check(bedrock))
                .append("; ").append(check(scaleOut)).append('\n');
        Figures.WarmUp warmUp = f.warmUp();
        int drains = warmUp.esCpuMillisPerDoc().size();
        String esCpu = warmUp.esCpuMillisPerDoc().stream().map("%.2f"::formatted).collect(Collectors.joining(", "));
        out.append("\nWarm-up before the measured drains: %d drain%s of %d documents, Elasticsearch's CPU per document "
                .formatted(drains, drains == 1 ? "" : "s", warmUp.docsPerDrain()))
                .append(esCpu).append(" ms").append(warmUp.steady() ? " (steady)"
                        : " (still falling at the scale's last warm-up drain)").append('\n');
        return out.toString();
    }

    /** Tokens the fake LLM bills per call ({@code Reply.text}: 10 prompt, 5 completion). */
    private static final int FAKE_TOKENS_PER_CALL = 15;

    private static void answerCacheRows(StringBuilder out, Figures.AnswerCache cache, double latency) {
        Figures.Drain first = cache.tenPercent();
        double callsPer1000 = first.llmRequests() * 1000.0 / first.docs();
        row(out, "6a", ("Answer cache: LLM calls and tokens per 1,000 documents, %d docs of 1-10 KB with %d distinct "
                        + "texts (10%%), cache empty, L = %.0f ms").formatted(first.docs(), cache.distinct(), latency),
                "%.0f calls, %.0f tokens".formatted(callsPer1000, callsPer1000 * FAKE_TOKENS_PER_CALL),
                "without the cache 1,000 calls, %d tokens; %s in this drain".formatted(1000 * FAKE_TOKENS_PER_CALL,
                        docsPerSecond(first.throughput())),
                ratio(callsPer1000 / 1000), "<= 0.10");
        Figures.Drain hits = cache.allHits();
        Figures.Drain writePath = cache.writePath();
        row(out, "6b", "Answer cache: all-hits drain, the same %d documents again (%d LLM calls)".formatted(hits.docs(),
                        hits.llmRequests()), docsPerSecond(hits.throughput()),
                "Elasticsearch's write path: %s (%d docs, LLM answering at once, cache off)".formatted(
                        docsPerSecond(writePath.throughput()), writePath.docs()),
                ratio(hits.throughput() / writePath.throughput()), "~1.0");
        row(out, "6c", "Answer cache: Elasticsearch requests and CPU per 1,000 documents, all hits vs the write path",
                "%.1f requests, %.2f s ES CPU".formatted(hits.esRequestsPer1000(), hits.esCpuMillisPerDoc()),
                "%.1f requests, %.2f s ES CPU; %s".formatted(writePath.esRequestsPer1000(),
                        writePath.esCpuMillisPerDoc(), breakdown(hits.esRequests().requestsByKind(), String::valueOf)),
                ratio(hits.esRequestsPer1000() / writePath.esRequestsPer1000()), "-");
    }

    private static String check(Figures.Drain drain) {
        return "%d/%d stored, %d left in queue, run %.1f s (process %.1f s)%s".formatted(drain.stored(), drain.docs(),
                drain.leftInQueue(), drain.runSeconds(), drain.wallSeconds(),
                drain.classSharing() ? "" : ", no class-data sharing (an AOT cache the JVM refused?)");
    }

    private static <T> String breakdown(Map<String, T> byKind, Function<T, String> format) {
        return byKind.entrySet().stream().map(e -> e.getKey() + " " + format.apply(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** {@code min-max}, or {@code >= min} when the histogram's open last bucket leaves no upper bound. */
    private static String range(String format, double min, double max) {
        String low = String.format(Locale.ROOT, format, min);
        return Double.isInfinite(max) ? ">= " + low : low + "-" + String.format(Locale.ROOT, format, max);
    }

    private static void row(StringBuilder out, String id, String figure, String measured, String reference,
                            String ratio, String target) {
        out.append("| ").append(String.join(" | ", id, figure, measured, reference, ratio, target)).append(" |\n");
    }

    private static String docsPerSecond(double value) {
        return String.format(Locale.ROOT, "%.1f docs/s", value);
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
