package dev.llmwatcher.bench;

import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark at {@link Scale#SMOKE}, so it cannot rot: every figure is produced from real drains by the command
 * line in child JVMs and is sane. Speed targets are the benchmark's business, not this test's.
 */
class BenchmarkSmokeTest {

    @Test
    void everyFigureComesFromARealDrainAndIsSane(@TempDir Path work) {
        Scale scale = Scale.SMOKE;

        Figures figures = new Benchmark(scale, TestElasticsearch.shared(), System.getProperty("java.class.path"),
                work).run();

        assertThat(figures.memorySmall().gcCount()).as("the live-heap sampler's collection at exit is counted")
                .isPositive();
        for (Figures.Drain drain : new Figures.Drain[] {figures.fixed(), figures.fixedWithoutCache(),
            figures.fixedDefaultJit(), figures.tail(), figures.limited(), figures.memorySmall(),
            figures.memoryLarge()}) {
            assertThat(drain.stored()).isEqualTo(drain.docs());
            assertThat(drain.leftInQueue()).isZero();
            assertThat(drain.latencies()).hasSize(drain.docs());
            assertThat(drain.runSeconds()).isPositive().isLessThan(drain.wallSeconds());
            assertThat(drain.callingSeconds()).isPositive().isLessThan(drain.runSeconds());
            assertThat(drain.headSeconds()).isPositive().isLessThan(drain.runSeconds());
            assertThat(drain.tailSeconds()).isPositive().isLessThan(drain.runSeconds());
            assertThat(drain.cpuSeconds()).isPositive();
            assertThat(drain.esCpuSeconds()).isPositive();
            assertThat(drain.driverCpuSeconds()).isPositive();
            assertThat(drain.peakHeapBytes()).isPositive();
            assertThat(drain.gcMillis()).isNotNegative();
            assertThat(drain.gcCount()).isNotNegative();
            assertThat(drain.peakRssBytes()).isGreaterThan(drain.peakHeapBytes() / 4);
            assertThat(drain.esRequests().requestsByKind()).containsKeys("bulk", "search", "pit-open", "pit-close");
            assertThat(drain.esRequests().handling().max()).isPositive().isFinite();
            assertThat(drain.classSharing()).as("class data mapped: the JDK's archive, or the AOT cache given").isTrue();
        }
        assertThat(figures.warmUp().esCpuMillisPerDoc()).as("the first warm-up drain, and more until steady")
                .isNotEmpty().hasSizeLessThanOrEqualTo(scale.warmUpDrains()).allMatch(millis -> millis > 0);
        assertThat(figures.warmUp().steady() || figures.warmUp().esCpuMillisPerDoc().size() == scale.warmUpDrains())
                .as("a warm-up stops early only when steady").isTrue();
        assertThat(figures.aotCache()).as("JDK %s", Runtime.version()).isEqualTo(AotCache.supported());
        if (figures.aotCache()) {
            assertThat(work.resolve("aot/watch.aot")).as("made from the warm-up drain's recording").isNotEmptyFile();
        }
        assertThat(figures.fixed().latencies()).containsOnly(scale.fixedLatency().toMillis());
        assertThat(figures.fixed().llmRequests()).as("no provider limit: one request per document")
                .isEqualTo(figures.fixed().docs());
        assertThat(figures.limited().llmRequests()).as("C = %d above the provider's limit of %d: some 429s",
                scale.concurrency(), scale.providerLimit()).isGreaterThan(figures.limited().docs());
        assertThat(figures.memorySmall().maxLiveHeapBytes()).isPositive()
                .isLessThanOrEqualTo(figures.memorySmall().peakHeapBytes());
        assertThat(figures.memoryLarge().maxLiveHeapBytes()).isPositive();
        assertThat(figures.fixed().maxLiveHeapBytes()).as("no forced GCs in the throughput drains").isEqualTo(-1);
        assertThat(figures.primed().medianInvocationMillis()).isPositive();
        assertThat(figures.watcher().medianInvocationMillis()).isPositive();
        assertThat(figures.watcher().medianUptimeMillis()).isPositive();
        assertThat(figures.watcher().classesLoaded()).isGreaterThan(figures.hello().classesLoaded());
        assertThat(figures.watcher().appClassesLoaded()).isGreaterThan(figures.hello().appClassesLoaded());
        assertThat(figures.deployment().classesBytes()).isPositive();
        assertThat(figures.deployment().runtimeJars()).isPositive();
        Figures.AnswerCache cache = figures.answerCache();
        for (Figures.Drain drain : new Figures.Drain[] {cache.tenPercent(), cache.allHits(), cache.writePath()}) {
            assertThat(drain.stored()).isEqualTo(drain.docs());
            assertThat(drain.leftInQueue()).isZero();
            assertThat(drain.runSeconds()).isPositive();
        }
        assertThat(cache.tenPercent().llmRequests()).as("one call per distinct text").isEqualTo(cache.distinct());
        assertThat(cache.allHits().llmRequests()).as("every answer from the cache").isZero();
        assertThat(cache.writePath().llmRequests()).as("cache off: a call per document")
                .isEqualTo(cache.writePath().docs());
        assertThat(figures.bedrock().stored()).isEqualTo(figures.bedrock().docs());
        assertThat(figures.bedrock().llmRequests()).as("one Converse call per document")
                .isEqualTo(figures.bedrock().docs());
        assertThat(figures.bedrock().cpuSeconds()).isPositive();
        Figures.Drain scaleOut = figures.scaleOut();
        assertThat(scaleOut.docs()).isEqualTo(Benchmark.SCALE_OUT_DRAINERS * scale.throughputDocs());
        assertThat(scaleOut.stored()).isEqualTo(scaleOut.docs());
        assertThat(scaleOut.leftInQueue()).isZero();
        assertThat(scaleOut.llmRequests()).as("each document called once, whichever drainer claimed it")
                .isEqualTo(scaleOut.docs());
        assertThat(scaleOut.callingSeconds()).isPositive().isLessThan(scaleOut.runSeconds());
        assertThat(Report.table(figures)).contains("| 6a |", "| 6b |", "| 6c |", "| 1g |", "| 3f |");
        assertThat(Report.table(figures)).contains("| 1a |", "| 1f |", "| 1d |", "| 1b |", "| 1e |", "| 2a |", "| 2b |", "| 3a |", "| 3b |",
                "| 3c |", "| 3d |", "| 3e |", "| 1c |", "| 4a |", "| 4b |", "| 4c |", "| 5a |", "| 5b |", "| 5c |",
                "| 5d |", "Warm-up before the measured drains: ").doesNotContain("NaN", "Infinity");
    }
}
