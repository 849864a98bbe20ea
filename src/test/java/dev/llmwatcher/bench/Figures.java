package dev.llmwatcher.bench;

import java.util.List;

/**
 * Everything one benchmark run measured; {@link Report} turns it into the table.
 *
 * @param fixedWithoutCache the fixed-latency drain again, without the AOT cache the other drains start from
 * @param aotCache          whether the JDK could make that cache (JDK 25 and newer); if not, no drain had one
 * @param warmUp            the unmeasured drains before them
 * @param bedrock           the fixed-latency drain with every document for Bedrock (the AWS SDK's Converse call)
 * @param scaleOut          {@link Benchmark#SCALE_OUT_DRAINERS} drainer processes side by side on one queue
 */
record Figures(Scale scale, WarmUp warmUp, Drain fixed, Drain fixedWithoutCache, boolean aotCache,
               Drain fixedDefaultJit, Drain tail, Drain limited, Drain memorySmall, Drain memoryLarge,
               Startup watcher, Startup primed, Startup hello, Package deployment, AnswerCache answerCache,
               Drain bedrock, Drain scaleOut) {

    /**
     * The answer cache's drains, all at the fixed latency and with the same documents count.
     *
     * @param distinct  different texts (so prompts) in the first two drains' queues: a tenth of the documents
     * @param tenPercent the first drain of such a queue, cache empty
     * @param allHits    the same queue again: every answer from the cache
     * @param writePath  reference: all-distinct documents, an LLM answering at once, the cache off; what
     *                   Elasticsearch's write path alone allows
     */
    record AnswerCache(int distinct, Drain tenPercent, Drain allHits, Drain writePath) {
    }

    /**
     * The warm-up drains, in order.
     *
     * @param esCpuMillisPerDoc Elasticsearch's CPU per document in each
     * @param steady            whether the last fell by less than a tenth from the one before (else the warm-up
     *                          stopped at the scale's most drains, still falling)
     */
    record WarmUp(int docsPerDrain, List<Double> esCpuMillisPerDoc, boolean steady) {
    }

    /**
     * One drain of the queue by the command line in a child JVM.
     *
     * @param runSeconds  {@code Main.main} start to exit, inside the child (no JVM start)
     * @param wallSeconds process start to exit
     * @param esCpuSeconds     CPU time of the Elasticsearch processes during the drain
     * @param driverCpuSeconds CPU time of the benchmark's own JVM during the drain: the fake LLM
     * @param maxLiveHeapBytes the largest heap in use after a forced full GC (memory drains only; else -1)
     * @param esRequests  the requests Elasticsearch served during the drain, by route, with their handling times
     * @param latencies   the fake LLM's delays, in the order it handed them out
     * @param llmRequests requests the fake LLM received, 429 answers included
     * @param stored      documents found in the target index afterwards
     * @param leftInQueue documents still in the queue afterwards
     * @param classSharing whether the watcher's JVM mapped class data from an archive (with an AOT cache: it used it)
     * @param callingSeconds from the fake LLM's first request to its last answer: the drain without the watcher's
     *                       start-up and its final write-back
     * @param headSeconds    from the watcher's {@code main} to the fake LLM's first request (wall clocks)
     * @param tailSeconds    from the fake LLM's last answer to the watcher's exit (wall clocks)
     */
    record Drain(int docs, double runSeconds, double callingSeconds, double headSeconds, double tailSeconds,
                 double wallSeconds, double cpuSeconds,
                 double esCpuSeconds,
                 double driverCpuSeconds, long peakHeapBytes,
                 long peakRssBytes, long maxLiveHeapBytes, RouteStats esRequests, long[] latencies,
                 long llmRequests, long stored, long leftInQueue, boolean classSharing, long gcMillis,
                 long gcCount) {

        double throughput() {
            return docs / runSeconds;
        }

        double callingThroughput() {
            return docs / callingSeconds;
        }

        double cpuMillisPerDoc() {
            return cpuSeconds * 1000 / docs;
        }

        double esCpuMillisPerDoc() {
            return esCpuSeconds * 1000 / docs;
        }

        double driverCpuMillisPerDoc() {
            return driverCpuSeconds * 1000 / docs;
        }

        double esRequestsPer1000() {
            return esRequests.requests() * 1000.0 / docs;
        }
    }

    /**
     * Medians over repeated process runs, and one run's class-load count.
     *
     * @param medianInvocationMillis the first invocation alone, after the handler was built (and primed, if so)
     */
    record Startup(double medianUptimeMillis, double medianWallMillis, double medianInvocationMillis,
                   long classesLoaded, long appClassesLoaded) {
    }

    /** Deployment package sizes: the shaded jar, and classes plus runtime jars as {@code sam build} lays them out. */
    record Package(long shadedJarBytes, long classesBytes, long runtimeJarsBytes, int runtimeJars) {
    }
}
