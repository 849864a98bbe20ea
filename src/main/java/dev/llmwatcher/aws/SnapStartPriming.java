package dev.llmwatcher.aws;

import dev.llmwatcher.aws.priming.LoopbackServer;
import dev.llmwatcher.aws.priming.PrimingRoutes;
import dev.llmwatcher.queue.Selection;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SnapStart priming: before Lambda snapshots an initialized function, run one whole invocation of the handler
 * against a loopback server that answers as Elasticsearch, Ollama and OpenAI would, so that the classes of every
 * step (HTTP client, JSON, templates, schema validation, bulk writes, metrics) are loaded, linked and compiled in the
 * snapshot instead of on the first real invocation after each restore. Nothing leaves the JVM: no secret is read,
 * no real cluster or LLM is contacted, and the priming watcher with its connections is closed before the snapshot.
 *
 * <p>Registered with CRaC's global context by the handler constructors; outside SnapStart (a plain JVM) the hook is
 * never called. {@link #prime()} is also what the benchmark and tests run directly.
 */
public final class SnapStartPriming implements Resource {

    private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);

    private final String kind;
    private final Selection selection;

    private SnapStartPriming(String kind, Selection selection) {
        this.kind = kind;
        this.selection = selection;
    }

    /** Registers the hook; the caller keeps the returned object referenced for as long as it lives. */
    static SnapStartPriming register(String kind, Selection selection) {
        SnapStartPriming priming = new SnapStartPriming(kind, selection);
        Core.getGlobalContext().register(priming);
        return priming;
    }

    /** The priming for a handler of this kind ({@code watcher} or {@code retry}), not registered anywhere. */
    public static SnapStartPriming of(String kind, Selection selection) {
        return new SnapStartPriming(kind, selection);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to restore: the real watcher never connected anywhere before the snapshot
    }

    /** Runs one invocation against the loopback server and returns the requests it served, in order. */
    public List<String> prime() {
        LOG.info("SnapStart priming: one {} invocation against a loopback server (made-up documents; nothing leaves "
                + "this JVM)", kind);
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        try (LoopbackServer server = new LoopbackServer(new PrimingRoutes())) {
            String url = server.url().toString();
            Map<String, String> variables = Map.of("ELASTICSEARCH_URL", url, "OLLAMA_API_URL", url,
                    "OPENAI_BASE_URL", url + "/v1", "OPENAI_API_KEY", "priming-not-a-key",
                    "LLM_WATCHER_WATCH_INDEX", PrimingRoutes.QUEUE);
            Clock clock = Clock.systemUTC();
            try (LambdaRunner runner = new LambdaRunner(kind + "-priming",
                    new HandlerEnvironment(variables, clock, Optional.empty(), discard))) {
                runner.invoke(selection, Map.of(), new LocalContext("priming", Duration.ofMinutes(1), clock, discard));
            }
            return server.requests();
        }
    }
}
