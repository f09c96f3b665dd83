package io.jipc.cli;

/** Permission bits as the commands take them: {@code --mode} in octal, like {@code chmod}'s numbers. */
final class Modes {
    private Modes() {
    }

    /**
     * {@code text} as octal permission bits ({@code 600}, {@code 0622}; at most {@code 7777}).
     *
     * @throws IllegalArgumentException (a usage error) if it is not that
     */
    static int octal(String text) {
        if (!text.matches("[0-7]{1,5}") || Integer.parseInt(text, 8) > 07777) {
            throw new IllegalArgumentException("--mode must be octal permission bits such as 600, not '" + text + "'");
        }
        return Integer.parseInt(text, 8);
    }
}
