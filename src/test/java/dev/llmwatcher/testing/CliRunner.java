package dev.llmwatcher.testing;

import dev.llmwatcher.cli.Console;
import dev.llmwatcher.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * The command line run in this JVM as the launcher runs it ({@link Main#standard()}), what it prints kept for the
 * test to read. One per test; every run adds to the same output.
 */
public final class CliRunner {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs {@code args} with {@code environment} as the process's environment; the exit status. */
    public int run(Map<String, String> environment, String... args) {
        Console console = new Console(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        return Main.standard().run(args, console);
    }

    /** Everything printed on standard output so far. */
    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Everything printed on standard error so far. */
    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
