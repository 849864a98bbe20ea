package dev.llmwatcher.testing;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.TokenUsage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The LLM port answering from a script, per prompt: an answer or a failure, after a latency or once a test opens a
 * {@link Gate}. It behaves as the real clients do at the edges the engine relies on: a call that would outlast its
 * request's timeout fails with {@code TIMEOUT} at the timeout, and an interrupted call fails with
 * {@code INTERRUPTED}. It counts calls and the most that were in flight at once, and lets a test wait for either.
 */
public final class ScriptedLlmClient implements LlmClient {

    /** Lets the calls held by it answer, when the test says so. */
    public static final class Gate {
        private final CountDownLatch latch = new CountDownLatch(1);

        public void open() {
            latch.countDown();
        }
    }

    /**
     * What one call gets: {@code text} (with {@code usage}) or, when {@code failure} is set, that failure, or, when
     * {@code crash} is set, that unchecked exception; after {@code latency}, or when {@code gate} opens if it is set.
     */
    public record Reply(String text, TokenUsage usage, LlmException.Kind failure, RuntimeException crash,
                        Duration latency, Gate gate) {

        public static Reply answer(String text) {
            return new Reply(text, new TokenUsage(10, 2), null, null, Duration.ZERO, null);
        }

        public static Reply failure(LlmException.Kind kind) {
            return new Reply(null, null, kind, null, Duration.ZERO, null);
        }

        /** A bug in the client: an unchecked exception instead of an {@link LlmException}. */
        public static Reply crash(RuntimeException e) {
            return new Reply(null, null, null, e, Duration.ZERO, null);
        }

        public Reply after(Duration wait) {
            return new Reply(text, usage, failure, crash, wait, gate);
        }

        /** Holds the call until {@code held} opens (or its timeout ends, or it is interrupted). */
        public Reply heldBy(Gate held) {
            return new Reply(text, usage, failure, crash, latency, held);
        }
    }

    private record Rule(Predicate<String> prompt, Reply reply) {
    }

    private final List<Rule> rules = new ArrayList<>();
    private final List<String> prompts = new ArrayList<>();
    private Reply fallback = Reply.answer("{}");
    private int inFlight;
    private int maxInFlight;
    private int finished;

    /** Every call whose prompt matches no rule gets {@code reply}. */
    public synchronized ScriptedLlmClient answerAll(Reply reply) {
        fallback = reply;
        return this;
    }

    /** Calls whose prompt contains {@code fragment} get {@code reply} (the first matching rule wins). */
    public synchronized ScriptedLlmClient when(String fragment, Reply reply) {
        rules.add(new Rule(prompt -> prompt.contains(fragment), reply));
        return this;
    }

    /** From now on, calls whose prompt contains {@code fragment} get {@code reply}, whatever was scripted before. */
    public synchronized ScriptedLlmClient from(String fragment, Reply reply) {
        rules.addFirst(new Rule(prompt -> prompt.contains(fragment), reply));
        return this;
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        long started = System.nanoTime();
        Reply reply = begin(request.prompt());
        try {
            await(reply, request.timeout());
            if (reply.crash() != null) {
                throw reply.crash();
            }
            if (reply.failure() != null) {
                throw new LlmException(reply.failure(), "scripted " + reply.failure());
            }
            return new LlmAnswer(reply.text(), reply.usage(), "stop", Duration.ofNanos(System.nanoTime() - started));
        } finally {
            end();
        }
    }

    /** Calls started so far. */
    public synchronized int calls() {
        return prompts.size();
    }

    /** Calls started so far with a prompt containing {@code fragment}. */
    public synchronized long calls(String fragment) {
        return prompts.stream().filter(p -> p.contains(fragment)).count();
    }

    /** The most calls that were in flight at one moment. */
    public synchronized int maxInFlight() {
        return maxInFlight;
    }

    /** Waits until {@code count} calls are in flight at once; false when that did not happen within {@code wait}. */
    public synchronized boolean awaitInFlight(int count, Duration wait) throws InterruptedException {
        return awaitUntil(() -> inFlight >= count, wait);
    }

    /** Waits until {@code count} calls have ended; false when that did not happen within {@code wait}. */
    public synchronized boolean awaitFinished(int count, Duration wait) throws InterruptedException {
        return awaitUntil(() -> finished >= count, wait);
    }

    private boolean awaitUntil(BooleanSupplier condition, Duration wait)
            throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    private synchronized Reply begin(String prompt) {
        prompts.add(prompt);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        notifyAll();
        return rules.stream().filter(r -> r.prompt().test(prompt)).map(Rule::reply).findFirst().orElse(fallback);
    }

    private synchronized void end() {
        inFlight--;
        finished++;
        notifyAll();
    }

    /**
     * The provider's time: until the gate opens, or for the latency. A wait past the request's timeout ends there as
     * a timeout, as the real clients' calls do.
     */
    private static void await(Reply reply, Duration timeout) throws LlmException {
        CountDownLatch latch = reply.gate() != null ? reply.gate().latch : new CountDownLatch(1);
        Duration wait = reply.gate() != null ? timeout : reply.latency();
        boolean timedOut = wait.compareTo(timeout) >= 0 && reply.gate() == null && !wait.isZero();
        try {
            boolean opened = latch.await(Math.min(wait.toNanos(), timeout.toNanos()), TimeUnit.NANOSECONDS);
            if ((reply.gate() != null && !opened) || timedOut) {
                throw new LlmException(LlmException.Kind.TIMEOUT, "did not answer within " + timeout.toMillis()
                        + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.INTERRUPTED, "interrupted");
        }
    }
}
