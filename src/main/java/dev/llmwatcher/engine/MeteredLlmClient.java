package dev.llmwatcher.engine;

import dev.llmwatcher.budget.BudgetExhaustedException;
import dev.llmwatcher.budget.Reservation;
import dev.llmwatcher.budget.TokenBudget;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;

import java.util.List;
import java.util.OptionalLong;

/**
 * One provider's client behind the {@link SpendGate}: before a call, the gateway must not have refused in this pass
 * and the model's budget must cover the call's estimate; after it, the budget is settled with the tokens the provider
 * reported. It wraps the retrying client, so one reservation covers every retry of the call.
 */
final class MeteredLlmClient implements LlmClient {

    /** Options that cap a completion's tokens, as OpenAI, OpenAI-compatible servers, Ollama and Bedrock name them. */
    private static final List<String> COMPLETION_CAPS = List.of("max_tokens", "max_completion_tokens",
            "num_predict");

    private final String provider;
    private final LlmClient delegate;
    private final SpendGate gate;

    MeteredLlmClient(String provider, LlmClient delegate, SpendGate gate) {
        this.provider = provider;
        this.delegate = delegate;
        this.gate = gate;
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        gate.checkGateway(provider);
        TokenBudget budget = gate.budget();
        Reservation reservation;
        try {
            reservation = budget.reserve(request.model(), request.prompt().length(),
                    completionCap(request));
        } catch (BudgetExhaustedException e) {
            throw new LlmException(LlmException.Kind.BUDGET_EXHAUSTED, e.getMessage());
        }
        LlmAnswer answer;
        try {
            answer = delegate.complete(request);
        } catch (LlmException e) {
            budget.settleUnanswered(reservation, e.kind() == LlmException.Kind.TIMEOUT);
            if (e.kind() == LlmException.Kind.BUDGET_EXHAUSTED) {
                gate.gatewayRefused(provider, e);
            }
            throw e;
        } catch (RuntimeException e) {
            budget.settleUnanswered(reservation, false);
            throw e;
        }
        budget.settle(reservation, answer.usage().promptTokens(), answer.usage().completionTokens());
        return answer;
    }

    /** The request's own cap on its completion, when it sets one (a positive whole number). */
    static OptionalLong completionCap(LlmRequest request) {
        for (String option : COMPLETION_CAPS) {
            if (request.options().get(option) instanceof Number cap && cap.longValue() > 0) {
                return OptionalLong.of(cap.longValue());
            }
        }
        return OptionalLong.empty();
    }
}
