package dev.llmwatcher.logging;

import dev.llmwatcher.testing.StderrCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.io.IOException;
import java.time.LocalDateTime;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleLoggerTest {

    @Test
    void slf4jFindsThisProviderAndWritesTheOriginalScriptsLineFormatToStandardError() {
        Logger log = LoggerFactory.getLogger("dev.llmwatcher.logging.test");
        String text;
        try (StderrCapture err = StderrCapture.start()) {
            log.info("Found {} documents in {} to process", 5, "llm-queue");
            log.warn("careful");
            text = err.text();
        }

        assertThat(log).isInstanceOf(ConsoleLogger.class);
        assertThat(text.lines().toList()).hasSize(2).satisfiesExactly(
                first -> assertThat(first).matches(
                        "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} INFO Found 5 documents in llm-queue to process"),
                second -> assertThat(second).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} WARN careful"));
    }

    @Test
    void librariesWriteWarningsAndErrorsOnlyAndOurOwnPackagesInformationToo() {
        Logger library = LoggerFactory.getLogger("com.networknt.schema.test");
        Logger own = LoggerFactory.getLogger("dev.llmwatcher.logging.levels");
        String text;
        try (StderrCapture err = StderrCapture.start()) {
            library.info("library chatter");
            library.debug("library detail");
            library.warn("library warning");
            own.info("our information");
            text = err.text();
        }

        assertThat(text).doesNotContain("library chatter", "library detail")
                .contains(" WARN library warning", " INFO our information");
        assertThat(library.isInfoEnabled()).isFalse();
        assertThat(library.isErrorEnabled()).isTrue();
    }

    @Test
    void aThrowableFollowsItsLineWithItsStackTrace() {
        Logger log = LoggerFactory.getLogger("dev.llmwatcher.logging.throwable");
        String text;
        try (StderrCapture err = StderrCapture.start()) {
            log.warn("write-back failed for {}", "llm-queue", new IOException("connection reset"));
            text = err.text();
        }

        assertThat(text.lines().toList()).element(0).asString().endsWith(" WARN write-back failed for llm-queue");
        assertThat(text.lines().toList()).element(1).isEqualTo("java.io.IOException: connection reset");
        assertThat(text).contains("\tat dev.llmwatcher.logging.ConsoleLoggerTest.");
    }

    @Test
    void debugIsForOurOwnPackagesAndOnlyInLoggersMadeAfterItWasTurnedOn() {
        String before = System.getProperty(LogLevels.DEBUG_PROPERTY);
        try {
            System.clearProperty(LogLevels.DEBUG_PROPERTY);
            assertThat(LogLevels.threshold("dev.llmwatcher.engine.WatcherEngine")).isEqualTo(Level.INFO);

            LogLevels.enableDebug();

            assertThat(LogLevels.threshold("dev.llmwatcher.engine.WatcherEngine")).isEqualTo(Level.DEBUG);
            assertThat(LogLevels.threshold("dev.llmwatcher")).isEqualTo(Level.DEBUG);
            assertThat(LogLevels.threshold("dev.llmwatcherish.Other")).isEqualTo(Level.WARN);
            assertThat(LogLevels.threshold("org.apache.hc.client5")).isEqualTo(Level.WARN);
            assertThat(new ConsoleLogger("dev.llmwatcher.x", Level.DEBUG).isDebugEnabled()).isTrue();
            assertThat(new ConsoleLogger("dev.llmwatcher.x", Level.DEBUG).isTraceEnabled()).isFalse();
        } finally {
            if (before == null) {
                System.clearProperty(LogLevels.DEBUG_PROPERTY);
            } else {
                System.setProperty(LogLevels.DEBUG_PROPERTY, before);
            }
        }
    }

    @Test
    void timestampsAreZeroPaddedLocalTime() {
        assertThat(ConsoleLogger.timestamp(LocalDateTime.of(987, 1, 2, 3, 4, 5))).isEqualTo("0987-01-02 03:04:05");
        assertThat(ConsoleLogger.timestamp(LocalDateTime.of(2026, 11, 25, 23, 59, 59)))
                .isEqualTo("2026-11-25 23:59:59");
    }
}
