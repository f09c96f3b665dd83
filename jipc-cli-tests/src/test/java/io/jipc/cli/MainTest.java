package io.jipc.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level command registers only the subcommand a command line names, all of them otherwise. */
class MainTest {
    private static final List<String> ALL = List.of("bench", "mailbox", "send", "recv", "mq", "signal", "filelock",
            "fifo", "sync", "group", "dsm", "rpc", "names", "lookup", "ls", "top", "rm", "gc", "gateway", "help");

    @Test
    void aNamedSubcommandIsTheOnlyOneRegistered() {
        assertEquals(List.of("mailbox"), List.copyOf(Main.commandLine("mailbox", "info", "x").getSubcommands().keySet()));
        assertEquals(List.of("gc"), List.copyOf(Main.commandLine("gc").getSubcommands().keySet()));
    }

    @Test
    void everySubcommandIsRegisteredInHelpOrderOtherwise() {
        for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"help", "mailbox"}, {"mailbx"}}) {
            CommandLine commandLine = Main.commandLine(args);
            assertEquals(ALL, List.copyOf(commandLine.getSubcommands().keySet()), String.join(" ", args));
            assertTrue(commandLine.isCaseInsensitiveEnumValuesAllowed());
        }
    }

    @Test
    void usageListsEverySubcommandAndAMistypedOneGetsSuggestions() {
        CliRun usage = jipc("--help");
        assertEquals(0, usage.exit());
        for (String name : ALL) {
            assertTrue(usage.out().lines().anyMatch(line -> line.startsWith("  " + name + " ")), name + ":\n" + usage.out());
        }
        CliRun typo = jipc("mailbx");
        assertEquals(2, typo.exit());
        assertTrue(typo.err().contains("Did you mean: jipc mailbox"), typo.err());
        CliRun help = jipc("help", "mailbox");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: jipc mailbox"), help.out());
    }

    /**
     * A command that does not exist is a usage error with {@code --help} too (naming58 explorer:
     * {@code jipc name --help} printed the top-level usage and exited 0, as if {@code name} were a command).
     */
    @Test
    void anUnknownCommandWithHelpIsStillAUsageError() {
        CliRun typo = jipc("name", "--help");
        assertEquals(2, typo.exit(), typo.out() + typo.err());
        assertTrue(typo.err().contains("Unmatched argument at index 0: 'name'"), typo.err());
        assertTrue(typo.err().contains("Did you mean: jipc names"), typo.err());
        CliRun verb = jipc("mailbox", "nosuch", "--help");
        assertEquals(2, verb.exit(), verb.out() + verb.err());
        assertEquals(0, jipc("mailbox", "--help").exit());
        assertEquals(0, jipc("mailbox", "create", "--help").exit());
    }

    /** {@code help A B} prints {@code A B}'s usage (fresh58a explorer: a usage error, before that {@code A}'s usage). */
    @Test
    void helpOfASubcommandOfACommandPrintsItsUsage() {
        CliRun help = jipc("help", "rpc", "call");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().startsWith("Usage: jipc rpc call"), help.out());
        CliRun create = jipc("help", "mailbox", "create");
        assertEquals(0, create.exit(), create.err());
        assertTrue(create.out().startsWith("Usage: jipc mailbox create"), create.out());
        assertEquals(2, jipc("help", "mailbox", "nosuch").exit());
    }

    @Test
    void withoutACommandTheUsageIsAnErrorAndEveryCommandPrintsTheVersion() {
        CliRun none = jipc();
        assertEquals(2, none.exit());
        assertEquals("", none.out());
        assertTrue(none.err().startsWith("Missing required subcommand\nUsage: jipc "), "a reason line first: " + none.err());
        CliRun noVerb = jipc("mailbox");
        assertEquals(2, noVerb.exit());
        assertTrue(noVerb.err().startsWith("Missing required subcommand\nUsage: jipc mailbox "), noVerb.err());
        String version = jipc("--version").out();
        assertTrue(version.startsWith("jipc "), version);
        for (String[] args : new String[][] {{"mailbox", "--version"}, {"send", "-V"}, {"sync", "hold", "--version"}}) {
            CliRun run = jipc(args);
            assertEquals(0, run.exit(), String.join(" ", args));
            assertEquals(version, run.out(), String.join(" ", args));
        }
    }

    /**
     * The command lists of {@code jipc --help} and of each command's help show one line per command:
     * the first line of its header, or else of its description. That line must be a whole sentence.
     */
    @Test
    void everyCommandListsASentenceAsItsSummary() {
        List<String> unfinished = new ArrayList<>();
        collectUnfinishedSummaries(Main.commandLine(), unfinished);
        assertEquals(List.of(), unfinished);
        CliRun bench = jipc("bench", "--help");
        assertTrue(bench.out().contains("Mailboxes between two processes: ping-pong percentiles and one-way"),
                bench.out());
    }

    private static void collectUnfinishedSummaries(CommandLine command, List<String> unfinished) {
        for (CommandLine subcommand : command.getSubcommands().values()) {
            CommandLine.Model.UsageMessageSpec usage = subcommand.getCommandSpec().usageMessage();
            String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
            String summary = lines.length > 0 ? lines[0] : "";
            if (!summary.endsWith(".")) {
                unfinished.add(subcommand.getCommandSpec().qualifiedName() + ": '" + summary + "'");
            }
            collectUnfinishedSummaries(subcommand, unfinished);
        }
    }

    @Test
    void aSubcommandsOwnOptionsStillParse() {
        CliRun run = jipc("mailbox", "create", "--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().contains("--capacity"), run.out());
    }
}
