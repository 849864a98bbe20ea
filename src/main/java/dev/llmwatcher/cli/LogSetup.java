package dev.llmwatcher.cli;

import java.util.Arrays;
import java.util.Locale;

/**
 * Chooses the log backend and level before the first logger exists, through system properties, so the code stays on
 * the SLF4J API.
 *
 * <p>The backend: the command line writes its readable lines with slf4j-simple, whose start-up is a couple of hundred
 * classes; Log4j's is about 1,100 more and 0.2 s of CPU per process (its plugins are loaded up front), which a
 * {@code --once} run from cron paid every time. Log4j stays for what needs it: AWS's Lambda appender, chosen when
 * {@code AWS_LAMBDA_FUNCTION_NAME} is set (the {@code invoke} command writes Lambda's lines then; the Lambda package
 * has no other backend). The Elasticsearch client logs through Commons Logging, which would start Log4j on its own
 * when it finds it, so it is sent to SLF4J too. A backend given with {@code -Dslf4j.provider} is left as it is.
 *
 * <p>The level: {@code --debug} (or {@code LLM_WATCHER_DEBUG=true}) turns on debug lines for our own packages only,
 * so the clients' wire chatter stays out; {@code log4j2.xml} reads it from {@link #LEVEL_PROPERTY}, slf4j-simple
 * from its per-package property.
 */
final class LogSetup {

    /** The system property {@code log4j2.xml} takes the watcher's level from; it may also be given to java. */
    static final String LEVEL_PROPERTY = "llmwatcher.log.level";
    static final String PROVIDER_PROPERTY = "slf4j.provider";
    static final String SIMPLE_PROVIDER = "org.slf4j.simple.SimpleServiceProvider";
    static final String LOG4J_PROVIDER = "org.apache.logging.slf4j.SLF4JServiceProvider";
    private static final String SIMPLE_OWN_LEVEL = "org.slf4j.simpleLogger.log.dev.llmwatcher";
    private static final String COMMONS_LOGGING_FACTORY = "org.apache.commons.logging.LogFactory";
    private static final String COMMONS_LOGGING_TO_SLF4J = "org.apache.commons.logging.impl.Slf4jLogFactory";
    /** SLF4J reports at INFO which provider a property named; the line would precede every run's own. */
    private static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";

    private LogSetup() {
    }

    static void configure(String[] args) {
        boolean debug = Arrays.asList(args).contains("--debug")
                || "true".equalsIgnoreCase(System.getenv("LLM_WATCHER_DEBUG"));
        if (debug) {
            System.setProperty(LEVEL_PROPERTY, "DEBUG");
        }
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, System.getenv("AWS_LAMBDA_FUNCTION_NAME") == null
                    ? SIMPLE_PROVIDER : LOG4J_PROVIDER);
            setIfAbsent(SLF4J_VERBOSITY, "WARN");
        }
        if (SIMPLE_PROVIDER.equals(System.getProperty(PROVIDER_PROPERTY))) {
            setIfAbsent(COMMONS_LOGGING_FACTORY, COMMONS_LOGGING_TO_SLF4J);
            String level = System.getProperty(LEVEL_PROPERTY);
            if (level != null) {
                System.setProperty(SIMPLE_OWN_LEVEL, level.toLowerCase(Locale.ROOT));
            }
        }
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
