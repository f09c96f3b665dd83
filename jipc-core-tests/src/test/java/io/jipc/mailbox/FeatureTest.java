package io.jipc.mailbox;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test of an opt-in mailbox feature (headers, priorities, limits, rendezvous), run once per
 * {@linkplain MailboxConfig#plain() sender mode and wait strategy}; the test adds the feature's
 * options itself.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@MethodSource("io.jipc.mailbox.MailboxConfig#plain")
@interface FeatureTest {
}
