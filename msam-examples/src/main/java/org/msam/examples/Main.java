package org.msam.examples;

/** Entry point of the example programs. */
public final class Main {
    private Main() {
    }

    /**
     * Runs the example programs.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.out.println("The MSAM example programs are not yet available in this version.");
    }
}
