package dev.llmwatcher.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressLineTest {

    /** A clock the test moves. */
    private static final class StepClock extends Clock {
        private Instant now = Instant.parse("2026-03-01T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void lineShowsDoneTotalRateErrorsAndEta() {
        assertThat(ProgressLine.line(40, 10, 200, Duration.ofSeconds(10)))
                .isEqualTo("50/200 done, 5.0 docs/s, 10 errors, ETA 30s");
    }

    @Test
    void terminalLineIsRewrittenInPlaceAndEndedWhenDone() {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        StepClock clock = new StepClock();
        ProgressLine progress = new ProgressLine(new PrintStream(terminal, true, StandardCharsets.UTF_8), clock);

        progress.started(4);
        clock.now = clock.now.plusSeconds(2);
        progress.written(1, 1);
        clock.now = clock.now.plusSeconds(2);
        progress.written(3, 1);

        assertThat(terminal.toString(StandardCharsets.UTF_8)).isEqualTo(
                "\r2/4 done, 1.0 docs/s, 1 errors, ETA 2s\u001b[K\r4/4 done, 1.0 docs/s, 1 errors, ETA -\u001b[K"
                        + System.lineSeparator());
    }
}
