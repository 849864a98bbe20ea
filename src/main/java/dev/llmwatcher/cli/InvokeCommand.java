package dev.llmwatcher.cli;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.aws.HandlerEnvironment;
import dev.llmwatcher.aws.LocalContext;
import dev.llmwatcher.aws.RetryHandler;
import dev.llmwatcher.aws.WatcherHandler;
import dev.llmwatcher.json.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code invoke watcher|retry --event FILE [--remaining-ms N]}: runs a real Lambda handler in this JVM with a local
 * context, no Docker needed, and prints its JSON summary on stdout (the EMF metric lines and the log lines, Lambda's
 * too, go to stderr, so stdout is the summary alone). Settings come from the environment and flags, as in Lambda.
 */
public final class InvokeCommand implements Command {

    static final String EVENT = "--event";
    static final String REMAINING_MS = "--remaining-ms";
    static final long DEFAULT_REMAINING_MS = 60_000;


    @Override
    public String name() {
        return "invoke";
    }

    @Override
    public String summary() {
        return "run a Lambda handler locally: invoke watcher|retry --event FILE [--remaining-ms N]";
    }

    @Override
    public Set<String> options() {
        return Set.of(EVENT, REMAINING_MS);
    }

    @Override
    public String help() {
        return "  watcher|retry                      which handler to run\n"
                + "  --event FILE                       the event JSON (e.g. events/watcher-schedule-v2.json)\n"
                + "  --remaining-ms N                   the invocation's remaining time (default "
                + DEFAULT_REMAINING_MS + ")\n";
    }

    @Override
    public int run(Arguments arguments, Console console) throws IOException {
        if (arguments.operands().size() != 1) {
            throw new UsageException("invoke needs one handler name: watcher or retry");
        }
        String which = arguments.operands().getFirst();
        Map<String, Object> event = readEvent(Optional.ofNullable(arguments.options().get(EVENT))
                .orElseThrow(() -> new UsageException("invoke needs --event FILE")));
        Duration remaining = Duration.ofMillis(remainingMillis(arguments.options().get(REMAINING_MS)));
        HandlerEnvironment environment = new HandlerEnvironment(arguments.settingsOver(console.environment()),
                console.clock(), Optional.empty(), console.err());
        RequestHandler<Map<String, Object>, Map<String, Object>> handler = switch (which) {
            case "watcher" -> new WatcherHandler(environment);
            case "retry" -> new RetryHandler(environment);
            default -> throw new UsageException("unknown handler '" + which + "': use watcher or retry");
        };
        String functionName = console.environment().getOrDefault("AWS_LAMBDA_FUNCTION_NAME", "local-" + which);
        LocalContext context = new LocalContext(functionName, remaining, console.clock(), console.err());
        Map<String, Object> summary = withStandardOutputOn(console.err(), () -> handler.handleRequest(event, context));
        console.out().println(Json.mapper().writeValueAsString(summary));
        return Main.OK;
    }

    /**
     * Runs the handler with {@code System.out} pointing at the error stream. With {@code AWS_LAMBDA_FUNCTION_NAME} set,
     * log lines go through AWS's Lambda appender, which outside Lambda writes them to {@code System.out}; there they
     * would mix with the summary, which is the only thing this command prints on standard output.
     */
    private static Map<String, Object> withStandardOutputOn(PrintStream stream,
                                                            Supplier<Map<String, Object>> handlerCall) {
        PrintStream standardOutput = System.out;
        System.setOut(stream);
        try {
            return handlerCall.get();
        } finally {
            System.out.flush();
            System.setOut(standardOutput);
        }
    }

    private static Map<String, Object> readEvent(String file) throws IOException {
        try {
            return Json.mapper().readValue(Files.readString(Path.of(file)), new TypeReference<>() { });
        } catch (NoSuchFileException e) {
            throw new UsageException("--event: no such file " + file);
        } catch (JsonProcessingException e) {
            throw new UsageException("--event: " + file + " is not a JSON object (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    private static long remainingMillis(String value) {
        if (value == null) {
            return DEFAULT_REMAINING_MS;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed >= 1 && parsed <= 900_000) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(REMAINING_MS + ": expected milliseconds between 1 and 900000, got '" + value + "'");
    }
}
