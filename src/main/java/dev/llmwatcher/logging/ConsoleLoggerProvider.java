package dev.llmwatcher.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SLF4J provider of the watcher and its libraries: {@link ConsoleLogger} lines on standard error, found through
 * {@code META-INF/services}. It replaces slf4j-simple, whose timestamp format ({@code SimpleDateFormat}) made the
 * first logger cost 40-45 ms of every start, the JDK's locale providers walking every CLDR locale
 * (BENCHMARKS.md, "What would pay").
 */
public final class ConsoleLoggerProvider implements SLF4JServiceProvider {

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name,
            key -> new ConsoleLogger(key, LogLevels.threshold(key)));

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing to set up: levels are read as each logger is made
    }
}
