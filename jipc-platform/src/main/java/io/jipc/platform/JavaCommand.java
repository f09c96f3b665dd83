package io.jipc.platform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the command line of a child JVM that runs like this one: the same {@code java} executable,
 * the same module path or class path, native access enabled, and the jipc system properties
 * ({@code jipc.*}) of this JVM passed on, so that a child sees the same jipc root directory. The
 * system properties come as {@code -D} options sorted by name, so that the same settings give the
 * same command line whatever the order of this JVM's properties.
 *
 * <p>Used by the benchmark (its peer process) and by the test kit (child JVMs of tests).
 */
public final class JavaCommand {
    private final String mainClass;
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> properties = new TreeMap<>();
    private final List<String> args = new ArrayList<>();

    private JavaCommand(String mainClass) {
        this.mainClass = mainClass;
        System.getProperties().forEach((k, v) -> {
            if (k instanceof String key && key.startsWith("jipc.")) {
                properties.put(key, String.valueOf(v));
            }
        });
    }

    /** A command that runs {@code mainClass}'s {@code main} in a new JVM. */
    public static JavaCommand forMain(Class<?> mainClass) {
        return new JavaCommand(mainClass.getName()).module(mainClass.getModule());
    }

    private Module module;
    private String classPath;

    private JavaCommand module(Module m) {
        this.module = m;
        return this;
    }

    /** Adds a JVM option, such as {@code -Xmx64m}. */
    public JavaCommand jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** Sets a system property of the child (in place of this JVM's value of it, if passed on). */
    public JavaCommand property(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /**
     * Runs the child on {@code classPath} instead of this JVM's class path (a child of a JVM on the
     * module path still gets the module path).
     */
    public JavaCommand classPath(String classPath) {
        this.classPath = classPath;
        return this;
    }

    /** Appends program arguments. */
    public JavaCommand args(String... more) {
        args.addAll(List.of(more));
        return this;
    }

    /** Appends program arguments. */
    public JavaCommand args(List<String> more) {
        args.addAll(more);
        return this;
    }

    /** The {@code java} executable of this JVM. */
    public static String javaExecutable() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The complete command line. */
    public List<String> toList() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmArgs);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        String modulePath = System.getProperty("jdk.module.path");
        if (module != null && module.isNamed() && modulePath != null && !modulePath.isEmpty()) {
            command.add("--enable-native-access=io.jipc.platform");
            command.add("--module-path");
            command.add(modulePath);
            command.add("--module");
            command.add(module.getName() + "/" + mainClass);
        } else {
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-cp");
            command.add(classPath != null ? classPath : System.getProperty("java.class.path"));
            command.add(mainClass);
        }
        command.addAll(args);
        return command;
    }

    /** A process builder for {@link #toList()}. */
    public ProcessBuilder toProcessBuilder() {
        return new ProcessBuilder(toList());
    }
}
