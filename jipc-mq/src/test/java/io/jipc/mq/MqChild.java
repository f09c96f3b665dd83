package io.jipc.mq;

import io.jipc.testkit.ChildMain;

import java.nio.charset.StandardCharsets;

/**
 * A child JVM's main for the queue tests. Commands, separated by {@code ";"}:
 * <ul>
 * <li>{@code send NAME P:TEXT...}: opens the queue to send and puts each text with priority P; prints SENT n</li>
 * <li>{@code recv NAME N}: opens the queue and takes N messages; prints RECEIVED P TEXT for each</li>
 * <li>{@code create NAME MAX SIZE}: creates and closes (does not unlink) a queue; prints CREATED</li>
 * <li>{@code hello}: prints HELLO uid=...</li>
 * </ul>
 * A failure prints {@code FAILED <exception class> <message>} and continues with the next command.
 */
public final class MqChild {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        int start = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(";")) {
                String[] command = java.util.Arrays.copyOfRange(args, start, i);
                start = i + 1;
                try {
                    run(command);
                } catch (Exception e) {
                    System.out.println("FAILED " + e.getClass().getName() + " " + e.getMessage());
                }
            }
        }
        System.out.flush();
    }

    private static void run(String[] c) throws Exception {
        switch (c[0]) {
            case "hello" -> System.out.println("HELLO uid=" + io.jipc.platform.Libc.geteuid());
            case "send" -> {
                try (PosixMessageQueue queue = PosixMessageQueue.open(c[1], MqAccess.SEND)) {
                    for (int i = 2; i < c.length; i++) {
                        int colon = c[i].indexOf(':');
                        queue.put(c[i].substring(colon + 1).getBytes(StandardCharsets.UTF_8),
                                Integer.parseInt(c[i].substring(0, colon)));
                    }
                    System.out.println("SENT " + (c.length - 2));
                }
            }
            case "recv" -> {
                try (PosixMessageQueue queue = PosixMessageQueue.open(c[1], MqAccess.RECEIVE)) {
                    System.out.println("RECEIVING");
                    for (int i = 0; i < Integer.parseInt(c[2]); i++) {
                        MqMessage m = queue.take();
                        System.out.println("RECEIVED " + m.priority() + " " + new String(m.payload(), StandardCharsets.UTF_8));
                    }
                }
            }
            case "create" -> {
                try (PosixMessageQueue ignored = PosixMessageQueue.create(c[1],
                        MqAttributes.of(Integer.parseInt(c[2]), Integer.parseInt(c[3])))) {
                    System.out.println("CREATED");
                }
            }
            default -> throw new IllegalArgumentException("unknown command " + c[0]);
        }
    }
}
