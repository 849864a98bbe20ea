package dev.llmwatcher.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.IOException;

/**
 * A main class for the log tests' child JVMs: sets the level from its arguments as {@link Main} does, then logs a
 * known set of lines (own and library loggers, every level, a request id in the MDC, lines from a virtual and a
 * platform thread started afterwards, and an exception with a cause).
 */
public final class LogProbe {

    static final String REQUEST_ID = "8f0e1c2a-probe-request";

    private LogProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        LogSetup.configure(args);
        Logger own = LoggerFactory.getLogger("dev.llmwatcher.engine.Probe");
        Logger library = LoggerFactory.getLogger("org.apache.hc.client5.http.Probe");
        MDC.put("AWSRequestId", REQUEST_ID);
        own.debug("own debug line");
        own.info("Found {} documents in {} to process", 5, "llm-queue");
        library.debug("library debug line");
        library.info("library information");
        library.warn("library warning");
        Thread.ofVirtual().name("probe-virtual").start(() -> own.info("from a virtual thread")).join();
        Thread.ofPlatform().name("probe-platform").start(() -> own.warn("from a platform thread")).join();
        own.error("write-back failed for {}", "llm-queue",
                new IOException("connection reset", new IllegalStateException("socket closed")));
    }
}
