package dev.llmwatcher.bench;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.BatchApiServers;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch drain mode's figure: the same 1,000 review documents drained directly and through the Batch API, and
 * what each bills per 1,000 documents. The fake model reports tokens as a tokenizer would roughly count them (a
 * token per 4 characters of prompt and answer), so both modes see the same usage; the batch tokens are billed at
 * half the price, which the figure states as tokens at the direct price. It runs with the tests, so it cannot rot,
 * and prints one line for {@code BENCHMARKS.md}.
 */
class BatchCostFigureTest {

    private static final int DOCUMENTS = 1000;
    private static final double BATCH_PRICE = 0.5;

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final BatchApiServers servers = new BatchApiServers().completingAtOnce();
    private final FakeOpenAiServer model = servers.model();

    @Test
    void theBatchModeBillsTheSameTokensAtHalfThePricePerThousandDocuments() {
        model.respondWith(request -> Reply.success(QueueLoader.ANSWER, request.prompt().length() / 4,
                QueueLoader.ANSWER.length() / 4, "stop"));

        Drain direct = drain("off");
        Drain batch = drain("always");

        assertThat(batch.tokens()).as("the same requests, the same usage").isEqualTo(direct.tokens());
        double perThousand = 1000.0 / DOCUMENTS;
        long directTokens = Math.round((direct.tokens().promptTokens() + direct.tokens().completionTokens())
                * perThousand);
        long batchTokens = Math.round((batch.tokens().promptTokens() + batch.tokens().completionTokens())
                * perThousand * BATCH_PRICE);
        System.out.printf("Batch cost: per 1,000 documents, direct %d tokens billed at the direct price "
                        + "(%d prompt + %d completion) in %d passes / %.1f s; batch the same tokens billed at half "
                        + "price = %d direct-price tokens, in %d passes (submit, then collect) / %.1f s here "
                        + "(up to 24 h at the provider)%n", directTokens,
                Math.round(direct.tokens().promptTokens() * perThousand),
                Math.round(direct.tokens().completionTokens() * perThousand), direct.passes(), direct.seconds(),
                batchTokens, batch.passes(), batch.seconds());
        assertThat(batchTokens).isEqualTo(Math.round(directTokens * BATCH_PRICE));
    }

    private record Drain(TokenUsage tokens, int passes, double seconds) {
    }

    /** Queues the documents afresh and drains them in {@code mode}; the tokens billed. */
    private Drain drain(String mode) {
        WatcherFixture fixture = servers.fixture(es)
                .with("LLM_WATCHER_BATCH_MODE", mode)
                .with("LLM_WATCHER_BATCH_SIZE", "100");
        new QueueLoader(es).load(fixture.queueIndex(), TestElasticsearch.uniqueIndex("cost-target"), DOCUMENTS, 200,
                1200, 42, "openai");
        TokenUsage tokens = TokenUsage.NONE;
        int passes = 0;
        long started = System.nanoTime();
        try (Watcher watcher = fixture.watcher()) {
            while (es.count(fixture.queueIndex()) > 0 && passes < 5) {
                RunReport report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(300), Integer.MAX_VALUE,
                        StopSignal.never());
                tokens = report.tokensByModel().values().stream().reduce(tokens, TokenUsage::plus)
                        .plus(report.batch().tokens());
                passes++;
                es.refresh(fixture.queueIndex());
            }
        }
        assertThat(es.count(fixture.queueIndex())).isZero();
        return new Drain(tokens, passes, (System.nanoTime() - started) / 1e9);
    }
}
