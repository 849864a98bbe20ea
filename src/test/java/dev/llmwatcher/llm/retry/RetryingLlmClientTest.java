package dev.llmwatcher.llm.retry;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.llm.ollama.OllamaClient;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.StderrCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

class RetryingLlmClientTest {

    private static final JsonHttp HTTP = JsonHttp.create(Duration.ofSeconds(2));
    private static final RetryingLlmClient.Policy POLICY =
            new RetryingLlmClient.Policy(4, Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(10));

    /** Time that only moves when someone sleeps, so backoff is asserted without waiting for it. */
    private static final class FakeTime {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);
        final List<Duration> sleeps = new ArrayList<>();

        long nanoTime() {
            return nanos.get();
        }

        synchronized void sleep(Duration duration) {
            sleeps.add(duration);
            nanos.addAndGet(duration.toNanos());
        }
    }

    private final FakeOllamaServer server = new FakeOllamaServer();
    private final FakeTime time = new FakeTime();
    private final RateLimitGate gate = new RateLimitGate(time::nanoTime);
    private final ConcurrencyLimit learnt = new ConcurrencyLimit(time::nanoTime);
    private final RetryingLlmClient client = new RetryingLlmClient(new OllamaClient(HTTP, server.baseUrl()),
            POLICY, gate, learnt, time::nanoTime, time::sleep, new Random(42));

    @AfterEach
    void stop() {
        server.close();
    }

    private static LlmRequest request(Duration budget) {
        return new LlmRequest("llama3.3", "doc-1", null, Map.of(), budget);
    }

    /** Fails with the given replies in turn, then answers "ok". */
    private void script(Reply... failures) {
        AtomicInteger call = new AtomicInteger();
        server.respondWith(request -> {
            int n = call.getAndIncrement();
            return n < failures.length ? failures[n] : Reply.text("ok");
        });
    }

    @Test
    void rateLimitWithoutRetryAfterBacksOffWithJitterThenSucceeds() throws Exception {
        script(Reply.rateLimited(), Reply.rateLimited());

        LlmAnswer answer = client.complete(request(Duration.ofSeconds(30)));

        assertThat(answer.text()).isEqualTo("ok");
        assertThat(server.calls()).isEqualTo(3);
        assertThat(time.sleeps).hasSize(2);
        assertThat(time.sleeps.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(200));
        assertThat(time.sleeps.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(400));
        assertThat(learnt.current()).as("too many calls, says a 429 without Retry-After: cut to one at a time, then "
                + "one more after a full round (the answer) at that limit").isEqualTo(2);
        assertThat(gate.remaining()).as("but nobody else is held back for a while").isZero();
    }

    @Test
    void rateLimitHonoursRetryAfterThenSucceeds() throws Exception {
        script(Reply.rateLimited(Duration.ofSeconds(3)));

        LlmAnswer answer = client.complete(request(Duration.ofSeconds(30)));

        assertThat(answer.text()).isEqualTo("ok");
        assertThat(time.sleeps).containsExactly(Duration.ofSeconds(3));
        assertThat(answer.latency()).as("the whole call, the wait included").isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(answer.providerLatency()).as("the answered attempt alone").isPositive()
                .isLessThan(Duration.ofSeconds(2));
        assertThat(learnt.current()).as("come back later, says Retry-After: the gate's job, not a lower limit")
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void retryAfterIsCapped() throws Exception {
        script(Reply.rateLimited(Duration.ofSeconds(3600)));

        client.complete(request(Duration.ofSeconds(30)));

        assertThat(time.sleeps).containsExactly(Duration.ofSeconds(10));
    }

    @Test
    void retryAfterBeyondTheBudgetThrowsTheRateLimitAtOnce() {
        script(Reply.rateLimited(Duration.ofSeconds(8)));

        assertThatThrownBy(() -> client.complete(request(Duration.ofSeconds(5))))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.RATE_LIMITED);
        assertThat(server.calls()).isEqualTo(1);
        assertThat(time.sleeps).isEmpty();
    }

    @Test
    void aRateLimitHoldsBackOtherCallersOfTheSameProvider() throws Exception {
        script(Reply.rateLimited(Duration.ofSeconds(4)));
        client.complete(request(Duration.ofSeconds(30)));
        time.sleeps.clear();
        gate.slowDown(Duration.ofSeconds(2));

        client.complete(request(Duration.ofSeconds(30)));

        assertThat(time.sleeps).singleElement()
                .satisfies(wait -> assertThat(wait).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4)));
    }

    @Test
    void serverErrorsAndDroppedConnectionsAreRetried() throws Exception {
        script(Reply.serverError(), Reply.disconnect(), Reply.error(503, "server busy"));

        LlmAnswer answer = client.complete(request(Duration.ofSeconds(30)));

        assertThat(answer.text()).isEqualTo("ok");
        assertThat(server.calls()).isEqualTo(4);
    }

    @Test
    void rateLimitsAreRetriedUntilTheBudgetIsSpent() {
        server.respond(Reply.rateLimited(Duration.ofSeconds(2)));

        assertThatThrownBy(() -> client.complete(request(Duration.ofSeconds(21))))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.RATE_LIMITED);
        assertThat(server.calls()).isGreaterThan(POLICY.maxAttempts());
        assertThat(time.sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isLessThan(Duration.ofSeconds(21));
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastError() {
        server.respond(Reply.error(500, "still broken"));

        assertThatThrownBy(() -> client.complete(request(Duration.ofSeconds(60))))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.SERVER_ERROR);
                    assertThat(e.getMessage()).endsWith("still broken");
                });
        assertThat(server.calls()).isEqualTo(4);
    }

    @Test
    void nonRetryableFailuresAreThrownAtOnce() {
        for (Reply fault : List.of(Reply.modelNotFound(), Reply.unauthorized(), Reply.error(400, "bad"),
                Reply.truncated("{"), Reply.malformed("nope"))) {
            server.reset();
            server.respond(fault);

            assertThatThrownBy(() -> client.complete(request(Duration.ofSeconds(30))))
                    .isInstanceOf(LlmException.class);
            assertThat(server.calls()).isEqualTo(1);
        }
        assertThat(time.sleeps).isEmpty();
    }

    @Test
    void timeoutThatSpendsTheWholeBudgetIsNotRetried() {
        server.respond(Reply.delayed(Duration.ofSeconds(3), Reply.text("late")));
        var realTime = RetryingLlmClient.wrap(new OllamaClient(HTTP, server.baseUrl()));
        long started = System.nanoTime();

        assertThatThrownBy(() -> realTime.complete(request(Duration.ofMillis(300))))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(server.calls()).isEqualTo(1);
    }

    @Test
    void concurrentCallersThroughAConcurrencyLimitAllSucceed() throws Exception {
        server.respond(Reply.text("ok")).latency(Duration.ofMillis(20))
                .concurrencyLimit(4, null);
        var realTime = RetryingLlmClient.wrap(new OllamaClient(HTTP, server.baseUrl()));
        List<java.util.concurrent.Future<LlmAnswer>> answers = new ArrayList<>();

        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                answers.add(executor.submit(() -> realTime.complete(request(Duration.ofSeconds(20)))));
            }
        }

        for (var answer : answers) {
            assertThat(answer.get().text()).isEqualTo("ok");
        }
        assertThat(server.calls()).isGreaterThanOrEqualTo(32);
    }

    @Test
    void aProviderThatCapsConcurrentCallsIsDrivenAtItsCapAfterAFew429s() throws Exception {
        server.respond(Reply.text("ok")).latency(Duration.ofMillis(30)).concurrencyLimit(6, null);
        ConcurrencyLimit learnt = new ConcurrencyLimit();
        var realTime = new RetryingLlmClient(new OllamaClient(HTTP, server.baseUrl()), RetryingLlmClient.Policy.DEFAULT,
                new RateLimitGate(), learnt, System::nanoTime, Thread::sleep, new Random(7));
        int callers = 24;
        int callsEach = 12;
        List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();

        String log;
        try (StderrCapture stderr = StderrCapture.start();
             var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                done.add(executor.submit(() -> {
                    for (int call = 0; call < callsEach; call++) {
                        assertThat(realTime.complete(request(Duration.ofSeconds(60))).text()).isEqualTo("ok");
                    }
                    return callsEach;
                }));
            }
            executor.close();
            log = stderr.text();
        }

        for (var caller : done) {
            assertThat(caller.get()).isEqualTo(callsEach);
        }
        assertThat(learnt.current()).as("learnt from the 429s: about the provider's 6").isBetween(4, 8);
        int refused = server.calls() - callers * callsEach;
        System.out.printf("%d calls through a provider capped at 6: %d refused with 429, limit learnt %d%n",
                callers * callsEach, refused, learnt.current());
        assertThat(refused).as("429s stop once the limit is learnt: far fewer than the calls").isLessThan(
                callers * callsEach / 2);
        assertThat(log.lines().filter(line -> line.contains("WARN") && line.contains("calling this provider at most")))
                .as("the operator hears of the provider's limit once, not at every adjustment").hasSize(1);
    }
}
