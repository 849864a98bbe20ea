package dev.llmwatcher.bench;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A class path that an ahead-of-time cache can be made for: the JVM caches classes from jar files only and refuses to
 * record with a non-empty directory on the class path, so each directory ({@code target/classes},
 * {@code target/test-classes}) is packed into a jar of its own first. Jars and wildcards are kept as they are.
 */
final class JarredClasspath {

    private JarredClasspath() {
    }

    static String of(String classpath, Path jarDir) {
        List<String> entries = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!entry.contains("*") && Files.isDirectory(path)) {
                Path jar = jarDir.resolve(entries.size() + "-" + path.getFileName() + ".jar");
                pack(path, jar);
                entries.add(jar.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void pack(Path dir, Path jar) {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try {
            Files.createDirectories(jar.getParent());
            try (OutputStream file = Files.newOutputStream(jar);
                 JarOutputStream out = new JarOutputStream(file, manifest);
                 Stream<Path> files = Files.walk(dir)) {
                for (Path path : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    String name = dir.relativize(path).toString().replace(File.separatorChar, '/');
                    if (name.equals("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(path, out);
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not pack " + dir + " into " + jar, e);
        }
    }
}
