package org.msam.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.msam.examples.analysis.AnalysisOptions;
import org.msam.examples.analysis.Analyze;
import org.msam.examples.train.Checkpoint;
import org.msam.examples.train.Comparison;
import org.msam.examples.train.Optimizer;
import org.msam.examples.train.RunConfig;
import org.msam.examples.train.RunFolder;
import org.msam.examples.train.RunResult;
import org.msam.examples.train.RunSpec;
import org.msam.examples.train.Trainer;
import org.msam.rules.Base;
import org.msam.rules.Rules;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The example programs. With no arguments, runs the demo: the small CNN on the Fashion-MNIST subset shipped with
 * the project, trained with SGD and with MSAM, then prints the comparison table and where the plots are.
 *
 * <pre>
 *   train   --dataset cifar100 --model wrn-16-4 --optimizer msam --rho 3 --epochs 200 --batch-size 256 --lr 0.5
 *   compare --optimizers sgd,sam,msam --seeds 3 --preset wrn16-4-cifar100
 * </pre>
 * {@link #run(String...)} returns the exit code and is what tests call.
 */
@Command(name = "msam-examples", mixinStandardHelpOptions = true, version = "msam-examples 0.1.0",
        description = "Train and compare optimizers on image data sets, and analyze their loss landscape.",
        subcommands = {Main.Train.class, Main.Compare.class, Main.Demo.class, Analyze.class,
            CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    private final PrintStream out;

    Main(PrintStream out) {
        this.out = out;
    }

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        NativeBuild.skipPhysicalMemoryCheck();
        String note = NativeBuild.chooseForThisCpu();
        if (note != null) {
            System.err.println(note);
        }
        System.exit(run(args));
    }

    /**
     * @param args command-line arguments; none runs the demo
     * @return the exit code (0 on success, 1 for bad input or data, 2 for usage errors)
     */
    public static int run(String... args) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cl = new CommandLine(new Main(System.out), new Factory(System.out));
        describeRules(cl);
        cl.setExecutionExceptionHandler((e, cmd, parse) -> {
            cmd.getErr().println("Error: " + e.getMessage());
            return 1;
        });
        return cl.execute(args.length == 0 ? new String[] {"demo"} : args);
    }

    /**
     * Completes the commands from the rule registry: the top-level description names every optimizer, and the commands
     * that train get the options of the rules' hyperparameters.
     */
    private static void describeRules(CommandLine cl) {
        cl.getCommandSpec().usageMessage().description("Train and compare SGD, NAG, AdamW and the sharpness-aware "
                + "rules over any of them (" + Rules.all().stream().map(r -> r.name() + ": " + r.title())
                .collect(Collectors.joining(", ")) + ") on image data sets, and analyze their loss landscape.");
        for (String name : List.of("train", "compare", "demo")) {
            CommandLine.Model.CommandSpec sub = cl.getSubcommands().get(name).getCommandSpec();
            TrainOptions.addRuleOptions(sub, (TrainOptions) sub.mixins().get("options").userObject());
        }
    }

    /** The names of {@code --optimizer}: the bases, then the registered rules. */
    static final class OptimizerNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            List<String> n = new ArrayList<>();
            for (Base b : Base.values()) {
                n.add(b.cliName());
            }
            n.addAll(Rules.names());
            return n.iterator();
        }
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, out);
        return 0;
    }

    /** Creates the subcommands with the output stream. */
    private static final class Factory implements CommandLine.IFactory {
        private final PrintStream out;

        Factory(PrintStream out) {
            this.out = out;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == Main.class) {
                return cls.cast(new Main(out));
            }
            if (cls == Train.class) {
                return cls.cast(new Train(out));
            }
            if (cls == Compare.class) {
                return cls.cast(new Compare(out));
            }
            if (cls == Demo.class) {
                return cls.cast(new Demo(out));
            }
            if (cls == Analyze.class) {
                return cls.cast(new Analyze(out));
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** {@code train}: one optimizer, one seed. */
    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train one model with one optimizer.")
    static final class Train implements Callable<Integer> {
        private final PrintStream out;
        @Mixin
        TrainOptions options;
        @Option(names = "--optimizer", completionCandidates = OptimizerNames.class, description = "${COMPLETION-"
                + "CANDIDATES} (default msam; the top-level help names each rule); msam-adamw is --optimizer msam "
                + "--base adamw")
        String optimizer;
        @Option(names = "--base", description = "Base optimizer of the sharpness-aware methods: sgd (default), nag, "
                + "adamw")
        String base;
        @Option(names = "--seed", description = "Random seed (default 1)")
        Long seed;
        @Option(names = "--output", description = "Run folder (default runs/<optimizer>, e.g. runs/msam)")
        Path output;
        @Option(names = "--resume", description = "Continue the run saved in --output")
        boolean resume;
        @Option(names = "--overwrite", description = "Replace the run already saved in --output")
        boolean overwrite;
        @Option(names = "--no-progress", description = "No progress bar")
        boolean noProgress;

        Train(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            if (resume && overwrite) {
                throw new IllegalArgumentException("--resume and --overwrite exclude each other: --resume continues "
                        + "the run in --output, --overwrite replaces it");
            }
            Optimizer o = optimizer == null && base == null ? null
                    : Optimizer.fromCli(optimizer == null ? "msam" : optimizer, base);
            RunConfig c = options.toConfig(o, seed).withDefaults();
            Path dir = output != null ? output : Paths.get("runs", c.optimizer.name());
            RunResult r = new Trainer(c, dir, out, !noProgress).overwrite(overwrite).run(resume);
            out.printf("Final test accuracy %.2f%% (loss %.4f) after %s, %.1f s of training.%n",
                    100 * r.finalTestAccuracy, r.finalTestLoss, r.epochs.size() == 1 ? "1 epoch"
                            : r.epochs.size() + " epochs", r.trainSeconds);
            out.println("Metrics, plots and checkpoint: " + r.outputDir);
            return 0;
        }
    }

    /** {@code compare}: several optimizers and seeds on one recipe. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Train the same recipe with several optimizers and seeds and tabulate the results.")
    static class Compare implements Callable<Integer> {
        final PrintStream out;
        @Mixin
        TrainOptions options;
        @Option(names = "--optimizers", split = ",", completionCandidates = OptimizerNames.class,
                description = "Comma-separated optimizers (default sgd,msam): ${COMPLETION-CANDIDATES}, msam-adamw, "
                + "..., each optionally "
                + "with its own settings: "
                + "name[:rho=X][:epochs=N][:lr=X][:base=sgd|nag|adamw], e.g. "
                + "sgd,sam:rho=0.1,sam:rho=0.1:epochs=10,msam:rho=1,msam:base=adamw")
        List<String> optimizers = new ArrayList<>(List.of("sgd", "msam"));
        @Option(names = "--seeds", description = "Number of seeds per optimizer (seeds 1..n; default 1)")
        int seeds = 1;
        @Option(names = "--output", description = "Comparison folder (default runs/${COMMAND-NAME})")
        Path output;
        @Option(names = "--resume", description = "Resume the runs saved in --output; finished runs are "
                + "skipped, also when only their result.json is left")
        boolean resume;
        @Option(names = "--overwrite", description = "Replace what --output holds: earlier runs of these entries, an "
                + "earlier comparison's table and plots, a train run's plots")
        boolean overwrite;
        @Option(names = "--no-progress", description = "No progress bar")
        boolean noProgress;
        @Option(names = "--analyze", description = "After training, measure every run's final model at its true "
                + "weights (the options of 'analyze': --hessian, --directions, --radii, --feature-rank, ...) into "
                + "OUTPUT/analysis and add the means per optimizer to compare.md")
        boolean analyze;
        @Mixin
        AnalysisOptions analysis = new AnalysisOptions();
        @Option(names = "--analysis-subset", description = "With --analyze: measure on at most this many training "
                + "images, class-balanced (default: each run's training set)")
        Integer analysisSubset;
        @picocli.CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Compare(PrintStream out) {
            this.out = out;
        }

        Path defaultOutput() {
            return Paths.get("runs", "compare");
        }

        /** @return whether earlier runs in the output folder are replaced without --overwrite */
        boolean overwritesByDefault() {
            return false;
        }

        @Override
        public Integer call() throws Exception {
            if (seeds < 1) {
                throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
            }
            if (resume && overwrite) {
                throw new IllegalArgumentException("--resume and --overwrite exclude each other: --resume continues "
                        + "the runs in --output, --overwrite replaces them");
            }
            checkAnalysisOptions();
            if (optimizers == null || optimizers.stream().allMatch(o -> o == null || o.isBlank())) {
                throw new IllegalArgumentException("--optimizers names no optimizer: give comma-separated names, for "
                        + "example --optimizers sgd,msam (valid names: " + Optimizer.validNames() + ")");
            }
            List<RunSpec> specs = new ArrayList<>();
            for (String o : optimizers) {
                if (o == null || o.isBlank()) {
                    throw new IllegalArgumentException("--optimizers " + String.join(",", optimizers) + " has an "
                            + "empty entry: write the names separated by single commas, for example sgd,msam");
                }
                RunSpec spec = RunSpec.parse(o);
                if (specs.stream().anyMatch(x -> x.folder().equals(spec.folder()))) {
                    throw new IllegalArgumentException("--optimizers lists '" + o + "' twice");
                }
                specs.add(spec);
            }
            Path dir = output != null ? output : defaultOutput();
            try (RunFolder folder = RunFolder.lock(dir, "--output")) {
                return compare(specs, folder);
            }
        }

        private Integer compare(List<RunSpec> specs, RunFolder folder) throws Exception {
            Path dir = folder.dir();
            boolean replace = overwrite || overwritesByDefault() && !resume;
            List<Comparison.Job> jobs = new ArrayList<>();
            List<String> existing = new ArrayList<>();
            List<String> ignoreRho = new ArrayList<>();
            List<RunConfig> firstSeeds = new ArrayList<>();
            for (RunSpec spec : specs) {
                for (long s = 1; s <= seeds; s++) {
                    RunConfig c = options.toConfig(spec.optimizer(), s);
                    if ((options.rho != null || options.rhoOffEpochs != null) && !spec.optimizer().takesRho()) {
                        // the shared --rho and --rho-off-epochs are for the entries that take a rho
                        c.rho = null;
                        c.rhoOffEpochs = 0;
                        if (s == 1) {
                            ignoreRho.add(spec.label());
                        }
                    }
                    c = spec.applyTo(c).withDefaults();
                    List<String> problems = c.problems();
                    if (!problems.isEmpty()) {
                        throw new IllegalArgumentException("Invalid options for '" + spec.label() + "': "
                                + String.join("; ", problems));
                    }
                    if (s == 1) {
                        for (int i = 0; i < firstSeeds.size(); i++) {
                            if (firstSeeds.get(i).sameRun(c)) {
                                throw new IllegalArgumentException("--optimizers entries '" + specs.get(i).label()
                                        + "' and '" + spec.label() + "' describe the same run (" + c.optimizer
                                        + (c.rho == null ? "" : ", rho " + c.rho) + ", " + c.epochs + " epochs, lr "
                                        + c.learningRate + "): leave one out");
                            }
                        }
                        firstSeeds.add(c);
                    }
                    Path runDir = dir.resolve(spec.folder() + "-seed" + s);
                    boolean again = resume && (Checkpoint.exists(runDir) || Trainer.finishedRun(runDir) != null);
                    if (!again && !replace && RunFolder.holdsRun(runDir)) {
                        existing.add(runDir.getFileName().toString());
                    }
                    jobs.add(new Comparison.Job(spec.label(), c, runDir, again));
                }
            }
            if (!existing.isEmpty()) {
                throw new IllegalArgumentException("--output " + dir + " already holds runs of this comparison ("
                        + String.join(", ", existing) + "). Fix: continue them with --resume, replace them with "
                        + "--overwrite, or choose another --output.");
            }
            checkEarlierComparison(dir, specs, jobs);
            if (!ignoreRho.isEmpty()) {
                List<String> given = new ArrayList<>();
                if (options.rho != null) {
                    given.add("--rho " + options.rho);
                }
                if (options.rhoOffEpochs != null) {
                    given.add("--rho-off-epochs " + options.rhoOffEpochs);
                }
                out.println(String.join(" and ", given) + (given.size() == 1 ? " applies" : " apply") + " to the "
                        + "sharpness-aware entries; " + String.join(", ", ignoreRho) + (ignoreRho.size() == 1 ? " has"
                        : " have") + " no rho.");
            }
            Comparison.writeRecord(dir, commandName(),
                    specs.stream().map(RunSpec::label).collect(Collectors.toList()));
            if (replace && jobs.stream().anyMatch(j -> RunFolder.holdsRun(j.dir))) {
                out.println("Replacing the earlier runs in " + dir.toAbsolutePath() + (overwrite ? " (--overwrite)."
                        : " (the demo always starts afresh; use compare to keep runs)."));
            }
            Map<String, List<RunResult>> results = Comparison.interleaved(jobs, replace, out, !noProgress);
            String reference = specs.stream().filter(x -> x.optimizer().equals(Optimizer.SGD)).map(RunSpec::label)
                    .findFirst().orElse(specs.get(0).label());
            List<String> headers = new ArrayList<>();
            Map<String, List<String>> cells = Map.of();
            String note = "";
            if (analyze) {
                Analyze a = Analyze.of(out, analysis, jobs.stream().map(j -> j.dir).collect(Collectors.toList()),
                        dir.resolve("analysis"), analysisSubset, !noProgress);
                List<Analyze.Result> measured = a.run();
                cells = a.columns(jobs.stream().map(Comparison.Job::label).collect(Collectors.toList()), measured,
                        headers);
                note = "The columns from L(θ) on are means over each optimizer's runs of the loss-landscape analysis "
                        + "of its final model at the true weights θ (analysis/analysis.md has every run; "
                        + "docs/ALGORITHMS.md, \"Loss-landscape measurements\", the definitions).";
            }
            List<Comparison.Row> rows = Comparison.write(dir, results, reference, commandLine(), headers, cells,
                    note);
            out.println();
            out.print(Comparison.markdown(rows, reference, headers, cells));
            out.println();
            out.println("Table: " + dir.resolve("compare.md").toAbsolutePath());
            out.println("Plots: " + dir.resolve("accuracy.png").toAbsolutePath() + ", "
                    + dir.resolve("loss.png").toAbsolutePath());
            return 0;
        }

        /**
         * What a comparison would replace in its folder is refused unless {@code --overwrite}: a run of
         * {@code train} in the folder itself (its plots), an earlier comparison with other entries (compare.md,
         * compare.csv and the plots describe it), and for the demo any comparison not made by the demo.
         */
        private void checkEarlierComparison(Path dir, List<RunSpec> specs, List<Comparison.Job> jobs)
                throws java.io.IOException {
            if (overwrite) {
                return;
            }
            String fix = " Fix: choose another --output, or replace " + (RunFolder.holdsRun(dir) ? "it" : "them")
                    + " with --overwrite.";
            List<String> trainRun = RunFolder.holdsRun(dir) ? List.of("train") : List.of();
            if (!trainRun.isEmpty()) {
                throw new IllegalArgumentException("--output " + dir + " holds a run of 'train' (its checkpoint and "
                        + "metrics): a comparison there would replace its plots (loss.png, accuracy.png)." + fix);
            }
            Comparison.Record earlier = Comparison.readRecord(dir);
            if (overwritesByDefault() && !resume) {
                // the demo replaces its own earlier runs, nothing else
                boolean runs = jobs.stream().anyMatch(j -> RunFolder.holdsRun(j.dir));
                if (earlier != null && !earlier.command.equals("demo") || earlier == null && runs) {
                    throw new IllegalArgumentException("--output " + dir + " holds " + (earlier == null
                            ? "runs not made by the demo" : "a comparison made by '" + earlier.command + "' ("
                            + String.join(", ", earlier.labels) + ")") + ": the demo replaces only its own earlier "
                            + "runs." + fix);
                }
                return;
            }
            if (earlier == null) {
                return;
            }
            List<String> labels = specs.stream().map(RunSpec::label).collect(Collectors.toList());
            if (!resume) {
                throw new IllegalArgumentException("--output " + dir + " already holds a comparison ("
                        + String.join(", ", earlier.labels) + "; compare.md, compare.csv and the plots describe it): "
                        + "a new one would replace them. Fix: continue it with --resume, choose another --output, or "
                        + "replace it with --overwrite.");
            }
            List<String> left = new ArrayList<>(earlier.labels);
            left.removeAll(labels);
            if (!left.isEmpty()) {
                throw new IllegalArgumentException("--output " + dir + " holds a comparison that includes "
                        + String.join(", ", left) + ", which --optimizers leaves out: its compare.md, compare.csv "
                        + "and plots would be replaced by a table without them. Fix: list every entry of the "
                        + "earlier comparison in --optimizers (" + String.join(",", earlier.labels) + " plus the new "
                        + "ones), choose another --output, or replace it with --overwrite.");
            }
        }

        /** Analysis options mean nothing without --analyze: say so instead of ignoring them. */
        private void checkAnalysisOptions() {
            CommandLine.ParseResult p = spec == null ? null : spec.commandLine().getParseResult();
            if (p == null || analyze) {
                if (analyze) {
                    analysis.checked();
                }
                return;
            }
            List<String> names = new ArrayList<>();
            for (CommandLine.Model.OptionSpec o : spec.mixins().get("analysis").options()) {
                names.add(o.longestName());
            }
            names.add("--analysis-subset");
            for (String o : names) {
                if (p.hasMatchedOption(o)) {
                    throw new IllegalArgumentException(o + " is an option of the analysis after training: add "
                            + "--analyze, or leave " + o + " out");
                }
            }
        }

        /** @return the subcommand's name: compare or demo */
        String commandName() {
            return spec != null ? spec.name() : overwritesByDefault() ? "demo" : "compare";
        }

        String commandLine() {
            CommandLine.ParseResult p = spec == null ? null : spec.commandLine().getParseResult();
            // the original arguments are the whole command line: they start with this subcommand's name, except
            // for the demo run without arguments
            String args = p == null ? "" : String.join(" ", p.originalArgs());
            return args.startsWith(spec.name()) ? args : (spec.name() + " " + args).trim();
        }
    }

    /** {@code demo}: the default when no arguments are given. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Small CNN on the embedded Fashion-MNIST subset with SGD and MSAM, 3 epochs each, interleaved "
                    + "(about 3 minutes on an idle 2-core machine, see the README); replaces the previous demo in its "
                    + "--output, and nothing another command wrote.")
    static final class Demo extends Compare {
        Demo(PrintStream out) {
            super(out);
        }

        @Override
        Path defaultOutput() {
            return Paths.get("runs", "demo");
        }

        /** The demo starts afresh every time: it replaces its own earlier runs (unless --resume is given). */
        @Override
        boolean overwritesByDefault() {
            return true;
        }

        @Override
        public Integer call() throws Exception {
            if (options.preset == null) {
                options.preset = "demo";
            }
            out.println("Demo: small CNN on the Fashion-MNIST subset shipped with the project (10,000 training and "
                    + "10,000 test images), SGD versus MSAM. Use 'compare --help' for the options.");
            return super.call();
        }
    }
}
