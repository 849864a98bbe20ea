package dev.llmwatcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * One Elasticsearch process from an integ-test-zip: unzipped once under the work directory (and reused), with its
 * own config, data and logs per variant, on free ports. Elasticsearch refuses to run as root, so as root it runs
 * as the unprivileged system user {@value #ES_USER}, created on first need.
 */
final class ElasticsearchServer {

    static final String ES_USER = "llmwatcher-es";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);

    private final String name;
    private final URI url;
    private final Process process;
    private final Path consoleLog;
    private final Optional<String[]> credentials;

    private ElasticsearchServer(String name, URI url, Process process, Path consoleLog,
                                Optional<String[]> credentials) {
        this.name = name;
        this.url = url;
        this.process = process;
        this.consoleLog = consoleLog;
        this.credentials = credentials;
    }

    URI url() {
        return url;
    }

    Optional<String[]> credentials() {
        return credentials;
    }

    static ElasticsearchServer start(String name, Path zip, Path work, Optional<String[]> superuser) {
        try {
            Path home = unzipOnce(zip, work.resolve("dist"));
            Path instance = work.resolve("instances").resolve(name);
            deleteRecursively(instance);
            Path config = instance.resolve("config");
            copyRecursively(home.resolve("config"), config);
            Files.createDirectories(instance.resolve("data"));
            Files.createDirectories(instance.resolve("logs"));
            Files.createDirectories(instance.resolve("tmp"));
            int httpPort = freePort();
            int transportPort = freePort();
            Files.writeString(config.resolve("elasticsearch.yml"),
                    settings(name, instance, httpPort, transportPort, superuser.isPresent()));
            boolean root = isRoot();
            if (root) {
                ensureUser();
                run(List.of("chown", "-R", ES_USER + ":" + ES_USER, instance.toString()), Map.of());
            }
            if (superuser.isPresent()) {
                run(asEsUser(root, List.of(home.resolve("bin/elasticsearch-users").toString(), "useradd",
                        superuser.get()[0], "-p", superuser.get()[1], "-r", "superuser")), env(config, instance));
            }
            Path consoleLog = work.resolve(name + "-console.log");
            ProcessBuilder builder = new ProcessBuilder(asEsUser(root, List.of(home.resolve("bin/elasticsearch")
                    .toString()))).directory(instance.toFile()).redirectErrorStream(true)
                    .redirectOutput(consoleLog.toFile());
            builder.environment().putAll(env(config, instance));
            Process process = builder.start();
            ElasticsearchServer server = new ElasticsearchServer(name, URI.create("http://127.0.0.1:" + httpPort),
                    process, consoleLog, superuser);
            try {
                server.awaitReady();
            } catch (RuntimeException e) {
                server.stop();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the test Elasticsearch " + name, e);
        }
    }

    void stop() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                url.resolve("/_cluster/health?wait_for_status=yellow&timeout=2s")).timeout(Duration.ofSeconds(10));
        credentials.ifPresent(c -> request.header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((c[0] + ":" + c[1]).getBytes(StandardCharsets.UTF_8))));
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        String last = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("test Elasticsearch " + name + " exited with " + process.exitValue()
                        + " during start-up; end of " + consoleLog + ":\n" + tail());
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the test Elasticsearch", e);
            }
            pause();
        }
        stop();
        throw new IllegalStateException("test Elasticsearch " + name + " not ready at " + url + " within "
                + STARTUP_TIMEOUT + " (last: " + last + "); end of " + consoleLog + ":\n" + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(consoleLog);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + consoleLog + ": " + e.getMessage() + ")";
        }
    }

    private static String settings(String name, Path instance, int httpPort, int transportPort, boolean security) {
        String yml = """
                cluster.name: llmwatcher-test-%s
                node.name: %s
                network.host: 127.0.0.1
                http.port: %d
                transport.port: %d
                discovery.type: single-node
                path.data: %s
                path.logs: %s
                cluster.routing.allocation.disk.threshold_enabled: false
                xpack.security.enabled: %s
                """.formatted(name, name, httpPort, transportPort, instance.resolve("data"),
                instance.resolve("logs"), security);
        if (security) {
            yml += "xpack.security.http.ssl.enabled: false\nxpack.security.transport.ssl.enabled: false\n";
        }
        return yml;
    }

    private static Map<String, String> env(Path config, Path instance) {
        return Map.of("ES_JAVA_HOME", System.getProperty("java.home"),
                "ES_PATH_CONF", config.toString(),
                "ES_JAVA_OPTS", "-Xms512m -Xmx512m",
                "ES_TMPDIR", instance.resolve("tmp").toString(),
                "HOME", instance.toString());
    }

    private static List<String> asEsUser(boolean root, List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + ES_USER, "--regid=" + ES_USER,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static synchronized void ensureUser() {
        if (run(List.of("id", "-u", ES_USER), Map.of(), false) == 0) {
            return;
        }
        int status = run(List.of("useradd", "--system", "--no-create-home", "--user-group", "--shell",
                "/usr/sbin/nologin", ES_USER), Map.of(), false);
        if (status != 0 && run(List.of("id", "-u", ES_USER), Map.of(), false) != 0) {
            throw new IllegalStateException("could not create the user " + ES_USER + " to run Elasticsearch as "
                    + "(running as root, which Elasticsearch refuses); useradd exited with " + status);
        }
    }

    private static void run(List<String> command, Map<String, String> env) {
        int status = run(command, env, true);
        if (status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + status);
        }
    }

    private static int run(List<String> command, Map<String, String> env, boolean showOutput) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = process.waitFor();
            if (status != 0 && showOutput) {
                System.err.println(String.join(" ", command.subList(0, Math.min(3, command.size()))) + ": " + output);
            }
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        }
    }

    /** Unzips the distribution into {@code dist} unless a complete copy is there; returns its home directory. */
    private static Path unzipOnce(Path zip, Path dist) throws IOException {
        String top = topDirectory(zip);
        Path home = dist.resolve(top);
        if (Files.isRegularFile(home.resolve(".unzipped"))) {
            return home;
        }
        Path staging = dist.resolve(top + ".partial-" + ProcessHandle.current().pid());
        deleteRecursively(staging);
        Files.createDirectories(staging);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = staging.resolve(entry.getName()).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("zip entry outside the target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try (Stream<Path> bin = Files.list(staging.resolve(top).resolve("bin"))) {
            bin.forEach(p -> p.toFile().setExecutable(true, false));
        }
        Files.writeString(staging.resolve(top).resolve(".unzipped"), zip.toString());
        deleteRecursively(home);
        Files.move(staging.resolve(top), home, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(staging);
        return home;
    }

    private static String topDirectory(Path zip) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry first = in.getNextEntry();
            if (first == null) {
                throw new IOException(zip + " is empty");
            }
            return first.getName().split("/")[0];
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the test Elasticsearch", e);
        }
    }
}
