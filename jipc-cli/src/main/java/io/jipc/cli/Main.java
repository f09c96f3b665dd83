package io.jipc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/** The {@code jipc} command. */
@Command(name = "jipc",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        scope = CommandLine.ScopeType.INHERIT, // every subcommand's -V/--version prints the version too
        description = {"Interprocess communication for the JVM: drive and measure every IPC mechanism.", ""})
public final class Main implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        StandardOutput.install();
        System.exit(run(args));
    }

    /**
     * The subcommands, in the order of {@code jipc --help}. Registered with picocli only when
     * needed: building a command's model reflects over its classes and options, which costs about
     * 0.2 s of a short command's start when done for every command.
     */
    private static final List<Class<?>> SUBCOMMANDS = List.of(BenchCommand.class, MailboxCommand.class,
            SendCommand.class, RecvCommand.class, MqCommand.class, SignalCommand.class, FileLockCommand.class,
            FifoCommand.class, SyncCommand.class, GroupCommand.class, DsmCommand.class, RpcCommand.class, NamesCommand.class, LookupCommand.class, LsCommand.class,
            TopCommand.class, RmCommand.class, GcCommand.class, GatewayCommand.class, CommandLine.HelpCommand.class);

    /**
     * Runs the command line and returns its exit code (for tests): the command's, or the failure of
     * its standard output if it succeeded but could not print ({@link StandardOutput#checked}).
     */
    public static int run(String... args) {
        args = nestedHelp(args);
        CommandLine commandLine = commandLine(args);
        return StandardOutput.checked(commandLine.execute(args), commandLine);
    }

    /**
     * The command line for {@code args}: with only the subcommand they name, when they start with
     * one (its parsing, help and errors need no other), otherwise with all of them (the usage
     * lists them, and a mistyped name gets suggestions).
     */
    static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        List<Class<?>> needed = SUBCOMMANDS.stream()
                .filter(command -> command.getAnnotation(Command.class).name().equals(first)).toList();
        (needed.isEmpty() || first.equals("help") ? SUBCOMMANDS : needed).forEach(commandLine::addSubcommand);
        CommandLine bench = commandLine.getSubcommands().get("bench");
        if (bench != null) { // "--only ring" names the mechanism, not the "bench ring" subcommand
            bench.setAllowSubcommandsAsOptionParameters(true);
        }
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new CommandFailures())
                .setExecutionStrategy(Main::refuseUnmatchedThenRun);
    }

    /**
     * {@code help A B ...} as {@code A B ... --help}: picocli's help command takes one command, so
     * {@code jipc help rpc call} printed {@code jipc rpc}'s usage (until 2026-12-06; then, once
     * unmatched words were refused, a usage error); now it prints {@code jipc rpc call}'s. Other
     * arguments are returned as they are.
     */
    static String[] nestedHelp(String... args) {
        if (args.length < 3 || !args[0].equals("help")) {
            return args;
        }
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("-")) {
                return args; // an option: picocli says what it makes of it
            }
        }
        String[] nested = java.util.Arrays.copyOfRange(args, 1, args.length + 1);
        nested[nested.length - 1] = "--help";
        return nested;
    }

    /**
     * Runs the last command given, as picocli does, once no argument was left unmatched: picocli lets
     * them pass when {@code --help} is asked for, so {@code jipc name --help} (no such command) printed
     * the top-level usage with exit code 0, as if {@code name} were a command; now it is the usage error
     * it is without {@code --help} (exit code 2, with suggestions).
     */
    private static int refuseUnmatchedThenRun(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult r = parsed; r != null; r = r.subcommand()) {
            if (!r.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(r.commandSpec().commandLine(), r.unmatched());
            }
        }
        return CommandFailures.runLast(parsed);
    }

    /**
     * {@code jipc} without a command: a usage error, as {@code jipc mailbox} without a verb is — the
     * reason, then the usage, on standard error, and exit code 2.
     */
    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
