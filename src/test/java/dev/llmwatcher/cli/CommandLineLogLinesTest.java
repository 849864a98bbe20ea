package dev.llmwatcher.cli;

import dev.llmwatcher.testing.ChildJava;
import dev.llmwatcher.testing.StderrCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log lines off Lambda: the original script's readable lines ({@code 2025-02-06 12:00:00 INFO Found 5 documents in
 * llm-queue to process}) on standard error, so standard output stays free for {@code status --json} and
 * {@code invoke}; warnings and errors only from libraries; debug lines with {@code --debug}. The child JVMs run as the
 * command line does (slf4j-simple, chosen by {@link LogSetup}); this test's own JVM logs through Log4j, whose console
 * configuration writes the same lines off Lambda wherever the command line's choice was not made (tests, probes).
 */
class CommandLineLogLinesTest {

    private static final String TIMESTAMP = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}";

    @TempDir
    Path dir;

    @Test
    void linesAreTheOriginalScriptsFormatOnStandardError() {
        Logger log = LoggerFactory.getLogger("dev.llmwatcher.cli.lines");
        String text;
        try (StderrCapture err = StderrCapture.start()) {
            log.info("Found {} documents in {} to process", 5, "llm-queue");
            log.warn("careful");
            text = err.text();
        }

        assertThat(text.lines().toList()).hasSize(2).satisfiesExactly(
                first -> assertThat(first).matches(TIMESTAMP + " INFO Found 5 documents in llm-queue to process"),
                second -> assertThat(second).matches(TIMESTAMP + " WARN careful"));
    }

    @Test
    void librariesWriteWarningsAndErrorsOnlyAndOurOwnPackagesInformationToo() {
        Logger library = LoggerFactory.getLogger("com.networknt.schema.test");
        Logger own = LoggerFactory.getLogger("dev.llmwatcher.cli.levels");
        String text;
        try (StderrCapture err = StderrCapture.start()) {
            library.info("library chatter");
            library.debug("library detail");
            library.warn("library warning");
            own.info("our information");
            own.debug("our detail");
            text = err.text();
        }

        assertThat(text).doesNotContain("library chatter", "library detail", "our detail")
                .contains(" WARN library warning", " INFO our information");
        assertThat(library.isInfoEnabled()).isFalse();
        assertThat(library.isErrorEnabled()).isTrue();
    }

    @Test
    void aThrowableFollowsItsLineWithItsStackTrace() {
        Logger log = LoggerFactory.getLogger("dev.llmwatcher.cli.throwable");
        String text;
        try (StderrCapture err = StderrCapture.start()) {
            log.warn("write-back failed for {}", "llm-queue", new IOException("connection reset"));
            text = err.text();
        }

        assertThat(text.lines().toList()).element(0).asString().endsWith(" WARN write-back failed for llm-queue");
        assertThat(text.lines().toList()).element(1).isEqualTo("java.io.IOException: connection reset");
        assertThat(text).contains("\tat dev.llmwatcher.cli.CommandLineLogLinesTest.");
    }

    @Test
    void aCommandLineRunWritesReadableLinesOnStandardErrorAndNothingOnStandardOutput() throws Exception {
        ChildJava.Result result = ChildJava.run(dir, Map.of(), LogProbe.class.getName());

        assertThat(result.exitStatus()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEmpty();
        List<String> lines = result.stderr().lines().toList();
        assertThat(lines.subList(0, 5)).allSatisfy(line -> assertThat(line).matches(TIMESTAMP + " .*"));
        assertThat(lines.stream().map(line -> line.replaceFirst("^" + TIMESTAMP + " ", ""))).startsWith(
                "INFO Found 5 documents in llm-queue to process", "WARN library warning",
                "INFO from a virtual thread", "WARN from a platform thread",
                "ERROR write-back failed for llm-queue", "java.io.IOException: connection reset");
    }

    @Test
    void debugSwitchAddsOurDebugLinesButNotTheLibraries() throws Exception {
        ChildJava.Result result = ChildJava.run(dir, Map.of(), LogProbe.class.getName(), "--debug");

        assertThat(result.stderr()).contains(" DEBUG own debug line").doesNotContain("library debug line",
                "library information");
    }

    @Test
    void debugVariableAddsOurDebugLines() throws Exception {
        ChildJava.Result result = ChildJava.run(dir, Map.of("LLM_WATCHER_DEBUG", "true"), LogProbe.class.getName());

        assertThat(result.stderr()).contains(" DEBUG own debug line");
    }
}
