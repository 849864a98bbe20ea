package dev.llmwatcher.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/**
 * What a command may touch of the outside world: the environment it reads settings from, its output streams and
 * the clock. Tests hand in their own, so commands run in-process exactly as {@code java -jar} would run them.
 */
public record Console(Map<String, String> environment, PrintStream out, PrintStream err, Clock clock) {

    public static Console system() {
        return new Console(System.getenv(), System.out, System.err, Clock.systemUTC());
    }
}
