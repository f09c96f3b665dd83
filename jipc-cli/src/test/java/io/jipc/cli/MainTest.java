package io.jipc.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level command registers only the subcommand a command line names, all of them otherwise. */
class MainTest {
    private static final List<String> ALL = List.of("bench", "mailbox", "send", "recv", "mq", "signal", "filelock",
            "fifo", "sync", "names", "lookup", "ls", "top", "rm", "gc", "gateway", "help");

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

    @Test
    void aSubcommandsOwnOptionsStillParse() {
        CliRun run = jipc("mailbox", "create", "--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().contains("--capacity"), run.out());
    }
}
