package io.jipc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jipc} command. */
@Command(name = "jipc",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {"Interprocess communication for the JVM: drive and measure every IPC mechanism.", ""},
        subcommands = {BenchCommand.class, MailboxCommand.class,
                SendCommand.class,
                RecvCommand.class,
                MqCommand.class,
                SignalCommand.class,
                FileLockCommand.class,
                FifoCommand.class,
                SyncCommand.class,
                NamesCommand.class,
                LookupCommand.class,
                LsCommand.class,
                GatewayCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
