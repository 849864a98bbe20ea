package dev.llmwatcher.engine;

import dev.llmwatcher.answer.AnswerInterpreter;
import dev.llmwatcher.answer.FormatSpec;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.prompt.PromptRenderer;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads and initialises, off the calling path, what the first document would otherwise pay for while every other
 * document of the first page waits behind it: the JSON-schema library with Jackson's databind and its meta-schema
 * (the larger part, so it goes first), the strict answer parser, and the template engine's classes. With C1 only
 * that is about 0.4 s of CPU, and the first LLM call of a command-line drain waited for it (BENCHMARKS.md, 1a).
 *
 * <p>It needs no configuration, so the command line starts it before it reads its settings. It has no logger of its
 * own and uses no lambda on the way in: as a method of {@code DocumentProcessor}, whose logger it initialised first,
 * its thread began its real work 0.16 s after it was started. (Starting it even earlier, before the command line
 * builds anything, did not bring the first call forward in the benchmark: start-up there is bound by the CPU, and
 * the warm-up then competes with the main thread.) Nothing is called or written. Idempotent; a failure is only
 * logged (at debug), as the first document then pays for it.
 */
public final class LibraryWarmUp implements Runnable {

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    /**
     * Starts the warm-up on a thread from {@code thread}, the first time this process asks: the command line asks as
     * it starts and the engine at each pass that finds work, and once loaded the libraries stay loaded.
     */
    public static void startOnce(Thread.Builder thread) {
        if (STARTED.compareAndSet(false, true)) {
            thread.start(new LibraryWarmUp());
        }
    }

    /** Runs the warm-up; returns whether every part of it worked. */
    public static boolean warmUp() {
        boolean schema;
        try {
            new AnswerInterpreter().interpret(new LlmAnswer("{\"warm\": 1}", TokenUsage.NONE, "stop", Duration.ZERO),
                    FormatSpec.parse(Map.of("type", "object", "properties",
                            Map.of("warm", Map.of("type", "integer")))));
            schema = true;
        } catch (Exception | LinkageError e) {
            schema = failed("the JSON-schema check", e);
        }
        boolean template;
        try {
            new PromptRenderer().render("{{ ctx.warm }}", Map.of("warm", "up"));
            template = true;
        } catch (Exception | LinkageError e) {
            template = failed("the prompt template engine", e);
        }
        return schema && template;
    }

    private static boolean failed(String what, Throwable e) {
        LoggerFactory.getLogger(LibraryWarmUp.class).debug(
                "Could not warm up {} (the first document pays for it instead): {}", what, e.toString());
        return false;
    }

    @Override
    public void run() {
        warmUp();
    }
}
