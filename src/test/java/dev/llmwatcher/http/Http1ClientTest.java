package dev.llmwatcher.http;

import dev.llmwatcher.testing.SlowDnsResolverProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.llmwatcher.http.ScriptedServer.answer;
import static dev.llmwatcher.http.ScriptedServer.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The HTTP/1.1 client against a server scripted in raw bytes: every way of framing an answer, connection reuse and
 * its failure modes, the timeout of a whole exchange, and answers that are not HTTP at all.
 */
class Http1ClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Http1Client client = Http1Client.create(Duration.ofSeconds(2));
    private ScriptedServer server;

    @AfterEach
    void stop() throws IOException {
        client.close();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void sendsTheRequestAsWrittenAndReusesTheConnection() throws IOException {
        server = new ScriptedServer(ScriptedServer.answeringEach(
                s -> answer(200, "{\"ok\":true}", "Retry-After: 7", "X-Multi: a", "x-multi: b")));
        byte[] body = "{\"query\":\"ü\"}".getBytes(StandardCharsets.UTF_8);

        HttpAnswer first = client.send(new HttpCall("POST", server.uri("/index/_search?size=1"),
                Map.of("Content-Type", "application/json", "Authorization", "ApiKey abc"), body, TIMEOUT));
        HttpAnswer second = client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT));

        assertThat(first.status()).isEqualTo(200);
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true}");
        assertThat(first.header("retry-after")).contains("7");
        assertThat(first.headers().get("x-multi")).containsExactly("a", "b");
        assertThat(second.status()).isEqualTo(200);
        assertThat(server.connections()).isEqualTo(1);
        ScriptedServer.Request sent = server.requests().getFirst();
        assertThat(sent.line()).isEqualTo("POST /index/_search?size=1 HTTP/1.1");
        assertThat(sent.header("host")).isEqualTo(server.uri("/").getHost() + ":" + server.uri("/").getPort());
        assertThat(sent.header("content-length")).isEqualTo(String.valueOf(body.length));
        assertThat(sent.header("authorization")).isEqualTo("ApiKey abc");
        assertThat(sent.body()).isEqualTo(body);
        assertThat(server.requests().get(1).line()).isEqualTo("GET / HTTP/1.1");
        assertThat(server.requests().get(1).header("content-length")).isNull();
    }

    @Test
    void readsChunkedAnswersWithExtensionsAndTrailersAndKeepsTheConnection() throws IOException {
        server = new ScriptedServer(ScriptedServer.answeringEach(
                s -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"));

        for (int i = 0; i < 3; i++) {
            HttpAnswer answer = client.send(new HttpCall("POST", server.uri("/"), Map.of(), new byte[1], TIMEOUT));
            assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("hello world");
        }
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    void anAnswerWithoutLengthEndsWithTheConnectionWhichIsNotReused() throws IOException {
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            write(socket, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
        });

        assertThat(client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT)).body())
                .asString(StandardCharsets.UTF_8).isEqualTo("until the end");
        assertThat(client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT)).body())
                .asString(StandardCharsets.UTF_8).isEqualTo("until the end");
        assertThat(server.connections()).isEqualTo(2);
    }

    @Test
    void aFoldedHeaderLineIsJoinedWithASpaceNotRefused() throws IOException {
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            write(socket, "HTTP/1.1 200 OK\r\nWarning: 199 proxy\r\n \t\"folded\r\n  twice\"\r\n"
                    + "Content-Length: 2\r\n\r\nok");
        });

        HttpAnswer answer = client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT));

        assertThat(answer.header("warning")).contains("199 proxy \"folded twice\"");
        assertThat(answer.body()).asString(StandardCharsets.UTF_8).isEqualTo("ok");
    }

    @Test
    void interimAnswersAreSkipped() throws IOException {
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            write(socket, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + answer(201, "ok"));
        });

        HttpAnswer answer = client.send(new HttpCall("PUT", server.uri("/"), Map.of(), new byte[3], TIMEOUT));

        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.body()).asString(StandardCharsets.UTF_8).isEqualTo("ok");
    }

    @Test
    void connectionCloseAndAShortKeepAliveAreHonoured() throws IOException {
        server = new ScriptedServer(ScriptedServer.answeringEach(s -> {
            String path = s.requests().getLast().line().split(" ")[1];
            return answer(200, "x", path.equals("/close") ? "Connection: close" : "Keep-Alive: timeout=1");
        }));

        client.send(new HttpCall("GET", server.uri("/close"), Map.of(), null, TIMEOUT));
        client.send(new HttpCall("GET", server.uri("/short"), Map.of(), null, TIMEOUT));
        client.send(new HttpCall("GET", server.uri("/short"), Map.of(), null, TIMEOUT));

        assertThat(server.connections()).as("no connection reused").isEqualTo(3);
    }

    @Test
    void anIdleConnectionTheServerClosedIsRetriedOnceOnAFreshOne() throws Exception {
        CountDownLatch firstClosed = new CountDownLatch(1);
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            write(socket, answer(200, "first"));
            if (s.connections() == 1) {
                socket.close();
                firstClosed.countDown();
                return;
            }
            while (s.read(socket.getInputStream()) != null) {
                write(socket, answer(200, "again"));
            }
        });

        client.send(new HttpCall("POST", server.uri("/"), Map.of(), new byte[1], TIMEOUT));
        assertThat(firstClosed.await(5, TimeUnit.SECONDS)).isTrue();
        HttpAnswer answer = client.send(new HttpCall("POST", server.uri("/"), Map.of(), new byte[1], TIMEOUT));

        assertThat(answer.body()).asString(StandardCharsets.UTF_8).isEqualTo("first");
        assertThat(server.connections()).isEqualTo(2);
        assertThat(server.requests()).as("each request reached the server once").hasSize(2);
    }

    @Test
    void anIdleConnectionOnWhichTheServerSaidSomethingIsNotReused() throws Exception {
        CountDownLatch timeoutSent = new CountDownLatch(1);
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            if (s.connections() == 1) {
                write(socket, answer(200, "first"));
                sleep(100);
                write(socket, answer(408, "idle too long", "Connection: close"));
                timeoutSent.countDown();
                sleep(5_000);
                return;
            }
            write(socket, answer(200, "second"));
        });

        client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT));
        assertThat(timeoutSent.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        HttpAnswer answer = client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).asString(StandardCharsets.UTF_8).isEqualTo("second");
        assertThat(server.connections()).isEqualTo(2);
    }

    @Test
    void aFreshConnectionClosedWithoutAnAnswerIsAnErrorNotARetry() throws IOException {
        server = new ScriptedServer((socket, s) -> s.read(socket.getInputStream()));

        assertThatThrownBy(() -> client.send(new HttpCall("POST", server.uri("/"), Map.of(), new byte[1], TIMEOUT)))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("closed the connection without answering");
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    void theTimeoutIsForTheWholeExchangeNotForEachRead() throws IOException {
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            for (int i = 0; i < 1000; i++) {
                write(socket, "x");
                sleep(50);
            }
        });
        long started = System.nanoTime();

        assertThatThrownBy(() -> client.send(new HttpCall("GET", server.uri("/"), Map.of(), null,
                Duration.ofMillis(400))))
                .isInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("did not answer within 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aServerThatStopsReadingCannotHoldASendPastItsTimeout() throws IOException {
        server = new ScriptedServer((socket, s) -> sleep(30_000));
        byte[] large = new byte[64 * 1024 * 1024];

        assertThatThrownBy(() -> client.send(new HttpCall("POST", server.uri("/"), Map.of(), large,
                Duration.ofMillis(500))))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void anInterruptedCallEndsAtOnceWithTheInterruptKept() throws Exception {
        server = new ScriptedServer((socket, s) -> sleep(30_000));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, Duration.ofSeconds(30)));
            } catch (IOException e) {
                failure.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        while (server.connections() == 0) {
            Thread.sleep(10);
        }
        Thread.sleep(100);
        caller.interrupt();
        caller.join(5_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(stillInterrupted.get()).isTrue();
    }

    @Test
    void answersThatAreNotHttpSaySo() throws IOException {
        String[] scripts = {
                "SSH-2.0-OpenSSH_9.6\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "HTTP/1.1 200 OK\r\n no-colon\r\n\r\n",
        };
        String[] messages = {"not an HTTP/1.1 answer: \"SSH-2.0-OpenSSH_9.6\"", "conflicting or negative Content-Length",
                "unsupported Transfer-Encoding", "unsupported Transfer-Encoding", "malformed chunk size", "malformed header line"};
        for (int i = 0; i < scripts.length; i++) {
            String script = scripts[i];
            try (ScriptedServer bad = new ScriptedServer((socket, s) -> {
                s.read(socket.getInputStream());
                write(socket, script);
            })) {
                assertThatThrownBy(() -> client.send(new HttpCall("GET", bad.uri("/"), Map.of(), null, TIMEOUT)))
                        .isInstanceOf(IOException.class).hasMessageContaining(messages[i]);
            }
        }
    }

    @Test
    void aBodyCutShortSaysHowMuchArrived() throws IOException {
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        });

        assertThatThrownBy(() -> client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT)))
                .isInstanceOf(EOFException.class).hasMessageContaining("closed after 3 of 10");
    }

    @Test
    void aRefusedConnectionIsAConnectException() throws IOException {
        int port;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = unused.getLocalPort();
        }

        assertThatThrownBy(() -> client.send(new HttpCall("GET", URI.create("http://127.0.0.1:" + port + "/"),
                Map.of(), null, TIMEOUT))).isInstanceOf(ConnectException.class);
    }

    @Test
    void aNameServerThatNeverAnswersIsBoundByTheConnectTimeout() throws IOException {
        try (Http1Client impatient = Http1Client.create(Duration.ofMillis(300))) {
            long started = System.nanoTime();

            assertThatThrownBy(() -> impatient.send(new HttpCall("GET",
                    URI.create("http://es" + SlowDnsResolverProvider.SUFFIX + ":9200/"), Map.of(), null, TIMEOUT)))
                    .isInstanceOf(ConnectException.class)
                    .hasMessage("could not resolve es" + SlowDnsResolverProvider.SUFFIX + " within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the lookup itself hangs for a minute")
                    .isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnknownHostIsAConnectExceptionNamingIt() {
        String host = "es" + SlowDnsResolverProvider.UNKNOWN;
        assertThatThrownBy(() -> client.send(new HttpCall("GET", URI.create("http://" + host + "/"), Map.of(), null,
                TIMEOUT))).isInstanceOf(ConnectException.class).hasMessage("unknown host " + host);
    }

    @Test
    void aConnectionNeverAcceptedTimesOutAsAConnectException() throws IOException {
        try (ServerSocket full = new ServerSocket()) {
            full.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            // fill the backlog so that further connects hang instead of completing
            try (Socket first = new Socket(); Socket second = new Socket()) {
                first.connect(full.getLocalSocketAddress(), 1000);
                second.connect(full.getLocalSocketAddress(), 1000);
                try (Http1Client impatient = Http1Client.create(Duration.ofMillis(300))) {
                    long started = System.nanoTime();
                    assertThatThrownBy(() -> impatient.send(new HttpCall("GET",
                            URI.create("http://127.0.0.1:" + full.getLocalPort() + "/"), Map.of(), null, TIMEOUT)))
                            .isInstanceOfAny(ConnectException.class, HttpTimeoutException.class);
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
                }
            } catch (java.net.SocketTimeoutException backlogAlreadyFull) {
                // the kernel's backlog was smaller than we assumed; the first connects proved the point
                assertThat(backlogAlreadyFull).hasMessageContaining("timed out");
            }
        }
    }

    @Test
    void headersThatWouldSplitTheRequestAreRefusedBeforeSending() {
        assertThatThrownBy(() -> new HttpCall("GET", URI.create("http://localhost/"),
                Map.of("X-Evil", "a\r\nHost: elsewhere"), null, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line break");
        assertThatThrownBy(() -> new HttpCall("GET", URI.create("ftp://localhost/"), Map.of(), null, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an http or https URL");
    }

    @Test
    void aClosedClientRefusesToSend() throws IOException {
        server = new ScriptedServer((socket, s) -> s.read(socket.getInputStream()));
        client.close();

        assertThatThrownBy(() -> client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT)))
                .isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThat(server.connections()).isZero();
    }

    @Test
    void bytesAfterTheAnswerAreNeverTakenForTheNextAnswer() throws IOException {
        server = new ScriptedServer(ScriptedServer.answeringEach(
                s -> s.requests().size() == 1 ? answer(200, "ok") + answer(200, "stale") : answer(200, "fresh")));

        client.send(new HttpCall("POST", server.uri("/"), Map.of(), new byte[1], TIMEOUT));
        HttpAnswer second = client.send(new HttpCall("POST", server.uri("/"), Map.of(), new byte[1], TIMEOUT));

        assertThat(second.body()).asString(StandardCharsets.UTF_8).isEqualTo("fresh");
        assertThat(server.connections()).isEqualTo(2);
    }

    @Test
    void anAnswerFramedByBothChunksAndLengthIsReadAsChunksOnAConnectionNotReused() throws IOException {
        server = new ScriptedServer(ScriptedServer.answeringEach(
                s -> "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n"));

        for (int i = 0; i < 2; i++) {
            HttpAnswer answer = client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT));
            assertThat(answer.body()).asString(StandardCharsets.UTF_8).isEqualTo("hello");
        }
        assertThat(server.connections()).isEqualTo(2);
    }

    @Test
    void anAbsurdKeepAliveTimeoutDoesNotSpoilAGoodAnswer() throws IOException {
        server = new ScriptedServer(ScriptedServer.answeringEach(
                s -> answer(200, "ok", "Keep-Alive: timeout=99999999999999999999999")));

        HttpAnswer answer = client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, TIMEOUT));

        assertThat(answer.body()).asString(StandardCharsets.UTF_8).isEqualTo("ok");
    }

    @Test
    void closingTheClientKeepsTheDeadlinesOfExchangesInFlight() throws Exception {
        server = new ScriptedServer((socket, s) -> sleep(30_000));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.send(new HttpCall("GET", server.uri("/"), Map.of(), null, Duration.ofMillis(800)));
            } catch (IOException e) {
                failure.set(e);
            }
        });
        while (server.connections() == 0) {
            Thread.sleep(10);
        }
        client.close();
        caller.join(5_000);

        assertThat(caller.isAlive()).as("the exchange still hangs").isFalse();
        assertThat(failure.get()).isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void anAnnouncedLengthIsNotAllocatedBeforeTheBytesArrive() throws IOException {
        server = new ScriptedServer((socket, s) -> {
            s.read(socket.getInputStream());
            String path = s.requests().getLast().line().split(" ")[1];
            write(socket, path.equals("/chunked")
                    ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1dcd6500\r\nabc"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 500000000\r\n\r\nabc");
        });
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

        for (String path : new String[] {"/length", "/chunked"}) {
            long before = threads.getCurrentThreadAllocatedBytes();
            assertThatThrownBy(() -> client.send(new HttpCall("GET", server.uri(path), Map.of(), null, TIMEOUT)))
                    .isInstanceOf(EOFException.class);
            assertThat(threads.getCurrentThreadAllocatedBytes() - before).as(path).isLessThan(16 * 1024 * 1024);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
