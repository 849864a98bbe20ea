package dev.llmwatcher.llm.http;

import com.sun.net.httpserver.HttpServer;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.ollama.OllamaClient;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.ForwardingProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

/**
 * What the HTTP layer under every LLM call promises: no silent second POST, the JDK's proxy settings, and a timeout
 * that bounds the whole call.
 */
class JsonHttpTest {

    private final FakeOllamaServer server = new FakeOllamaServer();

    @AfterEach
    void stop() {
        server.close();
    }

    private static LlmRequest request(String prompt) {
        return new LlmRequest("llama3.3", prompt, null, Map.of(), Duration.ofSeconds(5));
    }

    @Test
    void aPostThatTheServerDropsOnAReusedConnectionIsNotSentAgain() throws Exception {
        server.respondWith(request -> "second".equals(request.prompt()) ? Reply.disconnect() : Reply.text("ok"));
        var client = new OllamaClient(JsonHttp.create(Duration.ofSeconds(2)), server.baseUrl());
        client.complete(request("first"));

        assertThatThrownBy(() -> client.complete(request("second")))
                .asInstanceOf(type(LlmException.class))
                .extracting(LlmException::kind).isEqualTo(LlmException.Kind.CONNECTION);
        assertThat(server.callsFor("second")).as("the dropped call reached the server once only").isEqualTo(1);
        assertThat(server.calls()).isEqualTo(2);
    }

    @Test
    void anLlmCallGoesThroughTheProxyOfTheJdksHttpProxyHostProperty() throws Exception {
        server.respond(Reply.text("through the proxy"));
        Properties saved = (Properties) System.getProperties().clone();
        try (ForwardingProxy proxy = new ForwardingProxy()) {
            System.setProperty("http.proxyHost", "127.0.0.1");
            System.setProperty("http.proxyPort", Integer.toString(proxy.port()));
            System.setProperty("http.nonProxyHosts", "");
            var client = new OllamaClient(JsonHttp.create(Duration.ofSeconds(2)), server.baseUrl());

            LlmAnswer answer = client.complete(request("proxied"));

            assertThat(answer.text()).isEqualTo("through the proxy");
            assertThat(proxy.requests()).containsExactly("POST " + server.origin() + "/api/generate");
            assertThat(server.calls()).isEqualTo(1);
        } finally {
            System.setProperties(saved);
        }
    }

    @Test
    void aServerDrippingItsAnswerCannotHoldACallPastItsTimeout() throws Exception {
        HttpServer dripping = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        dripping.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        dripping.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 1_000);
            try (var body = exchange.getResponseBody()) {
                for (int i = 0; i < 1_000; i++) {
                    body.write(' ');
                    body.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException gone) {
                // the client cancelled: what the test wants
            }
        });
        dripping.start();
        try {
            var client = new OllamaClient(JsonHttp.create(Duration.ofSeconds(2)),
                    URI.create("http://127.0.0.1:" + dripping.getAddress().getPort()));
            LlmRequest oneSecond = new LlmRequest("llama3.3", "drip", null, Map.of(), Duration.ofSeconds(1));
            long started = System.nanoTime();

            assertThatThrownBy(() -> client.complete(oneSecond))
                    .asInstanceOf(type(LlmException.class))
                    .satisfies(e -> {
                        assertThat(e.kind()).isEqualTo(LlmException.Kind.TIMEOUT);
                        assertThat(e.getMessage()).contains("did not answer within 1000 ms");
                    });
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).as("each byte came within the read timeout; the call's deadline ended it")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        } finally {
            dripping.stop(0);
        }
    }

    @Test
    void aRefusedConnectionIsAConnectionFailureThatSaysSo() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var client = new OllamaClient(JsonHttp.create(Duration.ofSeconds(2)),
                URI.create("http://127.0.0.1:" + closedPort));

        assertThatThrownBy(() -> client.complete(request("nobody listens")))
                .asInstanceOf(type(LlmException.class))
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.CONNECTION);
                    assertThat(e.getMessage())
                            .startsWith("cannot connect to Ollama at http://127.0.0.1:" + closedPort + ": ")
                            .containsIgnoringCase("connection refused");
                });
    }
}
