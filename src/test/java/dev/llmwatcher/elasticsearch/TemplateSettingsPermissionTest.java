package dev.llmwatcher.elasticsearch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.testing.StderrCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A user allowed to install templates but not to change the queue index's settings: the real test cluster cannot
 * make such a user (its security index needs a module it lacks), so a local server answers as Elasticsearch does,
 * product header included.
 */
class TemplateSettingsPermissionTest {

    private static final String DENIED = "{\"error\":{\"type\":\"security_exception\",\"reason\":\"action "
            + "[indices:admin/settings/update] is unauthorized for user [watcher]\"},\"status\":403}";

    private final List<String> settingsUpdates = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aQueueIndexWhoseSettingsWeMayNotChangeOnlyCostsAWarningWhenTheTemplateIsInstalled() throws IOException {
        start();
        try (ClusterAdmin admin = ClusterAdmin.open(ElasticsearchSettings.anonymous(url()));
             StderrCapture stderr = StderrCapture.start()) {
            QueueTemplateInstaller installer = admin.templates();

            QueueTemplateInstaller.Result result = installer.install("q", Optional.empty());

            assertThat(result).isEqualTo(QueueTemplateInstaller.Result.CREATED);
            assertThat(settingsUpdates).containsExactly("PUT /q/_settings");
            assertThat(stderr.text()).contains("Could not apply the template's settings to the existing queue "
                    + "index q").contains("HTTP 403");
            assertThatThrownBy(() -> installer.install("broken", Optional.empty()))
                    .isInstanceOf(QueueUnavailableException.class)
                    .hasMessageContaining("apply the template's settings to the queue index broken");
        }
    }

    private void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.endsWith("/_settings")) {
                settingsUpdates.add(method + " " + path);
                answer(exchange, path.startsWith("/broken") ? 500 : 403, DENIED);
            } else if (method.equals("GET")) {
                answer(exchange, 404, "{}");
            } else {
                answer(exchange, 200, "{\"acknowledged\":true}");
            }
        });
        server.start();
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        exchange.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Elastic-Product", "Elasticsearch");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
