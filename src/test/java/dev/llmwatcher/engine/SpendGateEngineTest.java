package dev.llmwatcher.engine;

import dev.llmwatcher.budget.DailyLimits;
import dev.llmwatcher.budget.SharedTokenBudget;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.InMemoryTokenLedger;
import dev.llmwatcher.testing.ScriptedLlmClient.Reply;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine behind a {@link SpendGate}, over the in-memory queue and ledger: a spent budget stops spending and
 * nothing else, and a gateway's spent budget is honoured the same way.
 */
class SpendGateEngineTest {

    private static final String GPT = "gpt-4o-mini";
    private static final Reply COSTLY = new Reply("{\"scale\": 5}", new TokenUsage(100, 20), null, null,
            Duration.ZERO, null);

    private final EngineHarness harness = new EngineHarness();
    private final InMemoryTokenLedger ledger = new InMemoryTokenLedger();

    private SpendGate budgetOf(long tokens, String holder) {
        return new SpendGate(new SharedTokenBudget(ledger, new DailyLimits(Map.of(GPT, tokens),
                OptionalLong.empty()), Clock.systemUTC(), holder, Duration.ofSeconds(30), 4));
    }

    private void queue(String provider, String model, int documents) {
        for (int i = 0; i < documents; i++) {
            Map<String, Object> meta = EngineHarness.meta();
            meta.put("provider", provider);
            meta.put("model", model);
            harness.queue(model + "-" + i, provider + " review " + i, meta);
        }
    }

    private RunReport pass() {
        return harness.run(Instant.now().plusSeconds(30));
    }

    private List<String> untouched(String model, int documents) {
        return IntStream.range(0, documents).mapToObj(i -> model + "-" + i)
                .filter(id -> harness.store.queued(EngineHarness.QUEUE, id).isPresent())
                .filter(id -> !harness.queueMeta(id).containsKey("error")
                        && !harness.queueMeta(id).containsKey("attempts")
                        && harness.queueMeta(id).get("claim") == null)
                .toList();
    }

    @Test
    void aSpentBudgetLeavesItsDocumentsUntouchedAndAnotherModelGoesOn() {
        harness.llm.answerAll(COSTLY);
        queue("openai", GPT, 10);
        queue("ollama", "llama3.3", 10);
        harness.spend = budgetOf(300, "first");

        RunReport report = pass();

        long gptCalls = harness.llm.calls("openai review");
        assertThat(gptCalls).isBetween(1L, 2L);
        assertThat(harness.llm.calls("ollama review")).isEqualTo(10);
        assertThat(report.failed()).isZero();
        assertThat(report.processed()).isEqualTo(10 + (int) gptCalls);
        assertThat(untouched(GPT, 10)).hasSize(10 - (int) gptCalls);
        assertThat(report.budgets()).singleElement().satisfies(budget -> {
            assertThat(budget.model()).isEqualTo(GPT);
            assertThat(budget.use().exhausted()).isTrue();
            assertThat(budget.use().spentThisPass()).isEqualTo(120 * gptCalls);
            assertThat(budget.waitingDocuments()).isEqualTo(10 - gptCalls);
            assertThat(budget.blocksDocuments()).isTrue();
        });
    }

    @Test
    void aFurtherPassSpendsNothingAndARaisedBudgetDrainsTheRestWithoutCallingAnyDocumentTwice() {
        harness.llm.answerAll(COSTLY);
        queue("openai", GPT, 10);
        harness.spend = budgetOf(300, "first");
        pass();
        int callsBefore = harness.llm.calls();

        harness.spend = budgetOf(300, "second");
        RunReport again = pass();
        int callsAgain = harness.llm.calls() - callsBefore;
        harness.spend = budgetOf(100_000, "raised");
        RunReport raised = pass();

        assertThat(callsAgain).isZero();
        assertThat(again.found()).as("left out of the query").isZero();
        assertThat(again.budgets()).singleElement().satisfies(budget -> assertThat(budget.waitingDocuments())
                .isEqualTo(10 - callsBefore));
        assertThat(raised.processed()).isEqualTo(10 - callsBefore);
        assertThat(harness.store.countEligible(new QueueQuery(EngineHarness.QUEUE, Selection.NEW, Instant.now(),
                Optional.empty(), 10))).isZero();
        for (int i = 0; i < 10; i++) {
            assertThat(harness.llm.calls("openai review " + i)).as("calls for document %d", i).isEqualTo(1);
        }
    }

    @Test
    void aGatewaysSpentBudgetLeavesItsDocumentsUntouchedAndTheProviderIsNotCalledAgainInThePass() {
        harness.concurrency = 1;
        harness.llm.answerAll(Reply.answer("{\"scale\": 5}"))
                .when("openai review", Reply.failure(LlmException.Kind.BUDGET_EXHAUSTED));
        queue("openai", GPT, 10);
        queue("ollama", "llama3.3", 10);

        RunReport first = pass();
        long gatewayCalls = harness.llm.calls("openai review");
        RunReport second = pass();

        assertThat(gatewayCalls).isEqualTo(1);
        assertThat(harness.llm.calls("ollama review")).isEqualTo(10);
        assertThat(first.failed()).isZero();
        assertThat(first.processed() + second.processed()).isEqualTo(10);
        assertThat(untouched(GPT, 10)).hasSize(10);
        assertThat(harness.llm.calls("openai review")).as("the next pass asks the gateway again").isEqualTo(2);
    }
}
