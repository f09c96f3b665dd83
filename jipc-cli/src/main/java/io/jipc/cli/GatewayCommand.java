package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.naming.NameService;
import io.jipc.remote.MailboxGateway;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jipc gateway [--bind HOST:PORT] MAILBOX...}: exports mailboxes of this host over TCP
 * (see docs/remote.md) until the process is interrupted or terminated; then unregisters them.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = {"Export mailboxes of this host on a TCP port, for processes on other hosts.",
                "They use them through RemoteMailbox or Mailboxes.open; each is registered in the name "
                + "service. Serves until Ctrl-C or SIGTERM. Prints one line per exported mailbox: its "
                + "tcp://HOST:PORT/NAME address."})
final class GatewayCommand implements Callable<Integer> {
    @Option(names = "--bind", paramLabel = "HOST:PORT", description = "where to listen (default: ${DEFAULT-VALUE}; port 0: any)")
    String bind = "127.0.0.1:7070";

    @Option(names = "--all", description = "also serve any other mailbox of this host a client names (not registered),"
            + " but for one with a protocol label (its receiver may trust its senders: RPC servers' and"
            + " clients' mailboxes, process groups' inboxes): export that by name")
    boolean all;

    @Mixin
    NamingOption naming = new NamingOption();

    @Option(names = "--no-register", description = "do not register the mailboxes in the name service")
    boolean noRegister;

    @Option(names = "--advertise", paramLabel = "HOST", description = "the host name or address other hosts reach "
            + "this gateway at, in the addresses printed and registered (default: the --bind host; required "
            + "with a wildcard --bind such as 0.0.0.0)")
    String advertise;

    @Parameters(arity = "0..*", paramLabel = "MAILBOX", description = "the mailboxes to export (they must exist)")
    List<String> mailboxes = List.of();

    @Override
    public Integer call() throws InterruptedException {
        if (mailboxes.isEmpty() && !all) { // usage errors (CommandFailures): the reason, then the usage
            throw new IllegalArgumentException("name the mailboxes to export, or give --all");
        }
        InetSocketAddress address;
        try {
            address = HostPort.parse(bind);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--bind wants HOST:PORT: " + e.getMessage(), e);
        }
        if (address.getAddress() != null && address.getAddress().isAnyLocalAddress() && advertise == null) {
            throw new IllegalArgumentException("--bind " + bind + " listens on every address: say which one other hosts "
                    + "reach it at with --advertise HOST (" + bind + " is no address to connect to)");
        }
        if (advertise != null && (advertise.isBlank() || advertise.contains("/"))) {
            throw new IllegalArgumentException("--advertise wants a host name or address: '" + advertise + "'");
        }
        NameService names = null;
        MailboxGateway gateway;
        try {
            names = noRegister ? null : naming.open();
            MailboxGateway.Builder builder = MailboxGateway.builder(address).export(mailboxes.toArray(String[]::new))
                    .nameService(names);
            if (advertise != null) {
                builder.advertisedHost(advertise);
            }
            gateway = (all ? builder.exportAll() : builder).start();
        } catch (JipcException | IllegalArgumentException e) {
            if (names != null) {
                names.close();
            }
            if (e instanceof IllegalArgumentException) {
                throw e; // a bad name: a usage error, the message and the usage (CommandFailures)
            }
            System.err.println("jipc gateway: " + e.getMessage()); // no such mailbox, a port in use, no name service
            return 1;
        }
        mailboxes.forEach(name -> System.out.println(gateway.address(name)));
        System.out.println(gateway + " serving; Ctrl-C to stop");
        System.out.flush();
        NameService registry = names;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            if (registry != null) {
                registry.close();
            }
        }, "jipc-gateway-stop"));
        new CountDownLatch(1).await(); // until the JVM is stopped; the hook closes the gateway
        return 0;
    }
}
