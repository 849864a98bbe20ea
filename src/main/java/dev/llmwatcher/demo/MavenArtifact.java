package dev.llmwatcher.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds an artifact in the local Maven repository, asking Maven to fetch it when it is not there yet: the demo's
 * Elasticsearch comes from Maven Central the way the tests' does, with no download code of our own.
 */
final class MavenArtifact {

    private MavenArtifact() {
    }

    /** The local path of {@code group:artifact:version:type}, fetched with {@code mvn dependency:get} if needed. */
    static Path resolve(String group, String artifact, String version, String type) {
        Path repository = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Path file = repository.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + "." + type);
        if (Files.isRegularFile(file)) {
            return file;
        }
        String coordinates = group + ":" + artifact + ":" + version + ":" + type;
        List<String> command = List.of("mvn", "-q", "-B", "dependency:get", "-Dartifact=" + coordinates);
        int status;
        try {
            Process process = new ProcessBuilder(command).inheritIO().redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            status = process.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("the demo needs Maven to fetch " + coordinates + ", but 'mvn' could not "
                    + "be run (" + e.getMessage() + "); install Maven or set LLM_WATCHER_DEMO_ZIP to the zip", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while Maven fetched " + coordinates, e);
        }
        if (status != 0 || !Files.isRegularFile(file)) {
            throw new IllegalStateException("Maven could not fetch " + coordinates + " (" + String.join(" ", command)
                    + " exited with " + status + "); check the network, or set LLM_WATCHER_DEMO_ZIP to the zip");
        }
        return file;
    }
}
