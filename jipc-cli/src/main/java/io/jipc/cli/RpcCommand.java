package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.JipcException;
import io.jipc.cli.bench.Durations;
import io.jipc.naming.NameService;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.rpc.Marshaller;
import io.jipc.rpc.NotMarshallableException;
import io.jipc.rpc.RemoteInvocationException;
import io.jipc.rpc.RpcClient;
import io.jipc.rpc.RpcException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jipc rpc}: call a method of an RPC service from the shell, and list what an interface
 * offers. The interface (the IDL) is a compiled Java interface, found on the CLI's class path or on
 * {@code --classpath}.
 */
@Command(name = "rpc", mixinStandardHelpOptions = true,
        description = "Remote procedure calls from the shell: call a method of a service, list an interface's methods.",
        subcommands = {RpcCommand.Call.class, RpcCommand.Methods.class})
final class RpcCommand {
    private RpcCommand() {
    }

    /** {@code --interface CLASS [--classpath PATH]}: the service's interface, loaded from the class path given. */
    static final class Api {
        @Option(names = "--interface", required = true, paramLabel = "CLASS",
                description = "the service's Java interface, e.g. com.example.Bank")
        String name;

        @Option(names = "--classpath", paramLabel = "PATH",
                description = "directories and jars, separated by ':', where the interface's classes are")
        String classpath;

        /** The interface; IllegalArgumentException if it cannot be loaded or is not an interface. */
        Class<?> load() {
            ClassLoader loader = RpcCommand.class.getClassLoader();
            if (classpath != null) {
                List<URL> urls = new ArrayList<>();
                for (String entry : classpath.split(":")) {
                    Path path = Path.of(entry);
                    if (!Files.exists(path)) {
                        throw new IllegalArgumentException("no such class path entry: " + entry);
                    }
                    try {
                        urls.add(path.toUri().toURL());
                    } catch (IOException e) {
                        throw new IllegalArgumentException("class path entry " + entry + ": " + e.getMessage());
                    }
                }
                loader = new URLClassLoader(urls.toArray(URL[]::new), loader);
            }
            Class<?> api;
            try {
                api = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalArgumentException("cannot load " + name + (classpath == null ? " (give --classpath)" : "")
                        + ": " + e);
            }
            if (!api.isInterface()) {
                throw new IllegalArgumentException(name + " is not an interface");
            }
            return api;
        }
    }

    @Command(name = "call", mixinStandardHelpOptions = true,
            description = {"Call METHOD of the service with the ARGs and print the result (bytes in hex, an enum constant by its name, "
                            + "a record, list or map as JSON in the form an ARG of its type takes, nothing for void).",
                    "SERVICE is a name registered in the name service (a server started with register(names)), "
                            + "mailbox:NAME for a server of this host, tcp://HOST:PORT/NAME, "
                            + "or unix:PATH#NAME for a server of this host listening on that Unix-domain socket. "
                            + "An ARG is true/false, a number (integers in decimal without a leading zero, or 0x.. hex: "
                            + "the type's bits, 0xff is the byte -1), one character, text, bytes in hex, "
                            + "or an enum constant's name; a record, list or map is one word of JSON, e.g. "
                            + "'{\"x\": 1, \"y\": 2}' (bytes in it as hex strings; a map keyed by records, lists or bytes "
                            + "as [key, value] pairs, '[[{\"x\": 1, \"y\": 2}, \"a\"]]'). "
                            + "Exit code 1 if the call fails, 2 for bad arguments."})
    static final class Call implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SERVICE", description = "NAME, mailbox:NAME, tcp://HOST:PORT/NAME or unix:PATH#NAME")
        String service;

        @Parameters(index = "1", paramLabel = "METHOD", description = "the method's name")
        String methodName;

        @Parameters(index = "2..*", paramLabel = "ARG", description = "the arguments")
        List<String> words = new ArrayList<>();

        @Mixin
        Api api = new Api();

        @Option(names = "--timeout", paramLabel = "DURATION",
                description = "longest the server may take to answer the connection, and then the call, "
                        + "e.g. 500ms, 10s (default: ${DEFAULT-VALUE})")
        String timeoutText = "30s";

        @Mixin
        NamingOption naming = new NamingOption();

        @Override
        public Integer call() throws InterruptedException {
            Class<?> type;
            Method method;
            Object[] arguments;
            RpcClient.Options options;
            // an IllegalArgumentException (NotMarshallableException included) is a usage error (CommandFailures)
            type = api.load();
            Marshaller.of(type); // NotMarshallableException if a method names a type calls cannot carry
            method = RpcArguments.method(type, methodName, words.size());
            arguments = RpcArguments.parse(method, words);
            Duration timeout = Durations.parse(timeoutText);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("--timeout must be positive: " + Timeouts.text(timeout));
            }
            // the whole command: reaching the server (its answer to HELLO) and the call each get it
            options = RpcClient.Options.defaults().withCallTimeout(timeout).withConnectTimeout(timeout);
            RpcClient<?> connected;
            try {
                // an IllegalArgumentException from an address given here (no RPC address, a name or HELLO too
                // long) is the caller's arguments: a usage error (exit 2), as the help says; until 2026-12-06 it
                // was a failed call (1). One from a name service's record is a failed call (connect)
                connected = connect(type, options);
            } catch (RpcException | JipcException e) {
                return failed(e);
            }
            try (RpcClient<?> client = connected) {
                Object result = method.invoke(client.stub(), arguments);
                String text = RpcArguments.format(result, method);
                if (text != null) {
                    System.out.println(text);
                }
                return 0;
            } catch (InvocationTargetException | UndeclaredThrowableException e) {
                if (e.getCause() instanceof NotMarshallableException refused) {
                    // the stub refused the arguments before sending anything: bad arguments (exit 2), not a failed call
                    throw new IllegalArgumentException("the arguments of " + methodName + " cannot be sent: "
                            + refused.getMessage(), refused);
                }
                return failed(e.getCause());
            } catch (IllegalAccessException e) { // an interface the command cannot call: a usage error, with the usage
                throw new IllegalArgumentException("cannot call " + methodName + ": " + e.getMessage(), e);
            } catch (RpcException | JipcException | IllegalArgumentException e) {
                return failed(e);
            }
        }

        private RpcClient<?> connect(Class<?> type, RpcClient.Options options) throws InterruptedException {
            if (service.contains(":")) {
                URI uri;
                try {
                    uri = new URI(service);
                } catch (URISyntaxException e) { // mailbox: alone, unix:#x, ...: the JDK's words alone said little
                    throw new IllegalArgumentException("not an RPC address (mailbox:NAME, tcp://HOST:PORT/NAME or"
                            + " unix:PATH#NAME): " + service + " (" + e.getMessage() + ")", e);
                }
                return RpcClient.connect(uri, type, options);
            }
            NameSyntax.check(RpcClient.NAME_PREFIX + service); // a name no service can have: a usage error (exit 2)
            NameService opened = naming.open(); // a refused configured URI: a usage error (exit 2)
            try (NameService names = opened) {
                return RpcClient.lookup(names, service, type, options);
            } catch (IllegalArgumentException badRecord) { // a record's address, say: a failed call, exit 1
                return fail("'" + service + "' as the name service has it: " + badRecord.getMessage());
            }
        }

        private static RpcClient<?> fail(String message) {
            throw new JipcException(message);
        }

        private int failed(Throwable e) {
            if (e instanceof RemoteInvocationException remote) {
                System.err.println("jipc rpc: " + methodName + " threw " + remote.remoteClass()
                        + (remote.remoteMessage() == null ? "" : ": " + remote.remoteMessage()));
            } else {
                System.err.println("jipc rpc: " + e.getMessage());
            }
            return 1;
        }
    }

    @Command(name = "methods", mixinStandardHelpOptions = true,
            description = "List the methods of an RPC interface, marking the parameters given as JSON.")
    static final class Methods implements Callable<Integer> {
        @Mixin
        Api api = new Api();

        @Override
        public Integer call() { // an IllegalArgumentException is a usage error (CommandFailures)
            RpcArguments.describe(api.load()).forEach(System.out::println);
            return 0;
        }
    }
}
