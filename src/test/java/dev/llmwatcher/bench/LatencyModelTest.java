package dev.llmwatcher.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The latency model and the original's batch-then-wait arithmetic the benchmark reports. */
class LatencyModelTest {

    @Test
    void logNormalHasTheRequestedMedianAndTail() {
        LatencyModel model = LatencyModel.logNormal(Duration.ofMillis(400), Duration.ofSeconds(3), 7);

        IntStream.range(0, 20_000).forEach(i -> model.get());

        long[] samples = model.samples();
        assertThat(samples).hasSize(20_000);
        assertThat(LatencyModel.percentile(samples, 0.5)).isCloseTo(400, within(25L));
        assertThat(LatencyModel.percentile(samples, 0.99)).isCloseTo(3000, within(350L));
    }

    @Test
    void batchThenWaitPaysTheSlowestCallOfEveryBatch() {
        long[] samples = {100, 900, 200, 300, 50};

        assertThat(LatencyModel.batchAndWaitSeconds(samples, 2)).isEqualTo((900 + 300 + 50) / 1000.0);
    }
}
