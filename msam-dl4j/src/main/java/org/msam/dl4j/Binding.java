package org.msam.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.msam.config.AdamW;
import org.msam.config.DecayScope;
import org.msam.config.Msam;
import org.msam.config.Sam;
import org.msam.updater.MsamUpdater;
import org.msam.updater.ParameterBoundUpdater;
import org.msam.updater.SamUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The updater blocks of a model, each bound to its parameter views: what the listeners act on. Built once per
 * model and rebuilt only when DL4J replaces the updater or the parameter array (init, restore, setUpdater).
 */
final class Binding {
    /** One updater block: its parameter range in the flat vectors and its updater. */
    static final class Block {
        final UpdaterBlock block;
        final GradientUpdater<?> updater;
        final long start;
        final long end;
        final INDArray params;

        Block(UpdaterBlock block, GradientUpdater<?> updater, INDArray params) {
            this.block = block;
            this.updater = updater;
            this.start = block.getParamOffsetStart();
            this.end = block.getParamOffsetEnd();
            this.params = params;
        }

        boolean isNoOp() {
            return updater.getConfig() instanceof NoOp;
        }

        INDArray slice(INDArray flat) {
            return flat.get(NDArrayIndex.interval(start, end));
        }
    }

    final INDArray flatParams;
    final List<Block> blocks;
    final List<Block> trainable;
    final List<Block> noOp;
    final List<MsamUpdater> msam;
    final List<SamUpdater> sam;
    final List<ParameterBoundUpdater> bound;

    private Binding(INDArray flatParams, List<Block> blocks) {
        this.flatParams = flatParams;
        this.blocks = Collections.unmodifiableList(blocks);
        List<Block> t = new ArrayList<>();
        List<Block> n = new ArrayList<>();
        List<MsamUpdater> m = new ArrayList<>();
        List<SamUpdater> s = new ArrayList<>();
        List<ParameterBoundUpdater> b = new ArrayList<>();
        for (Block block : blocks) {
            (block.isNoOp() ? n : t).add(block);
            if (block.updater instanceof MsamUpdater) {
                m.add((MsamUpdater) block.updater);
            }
            if (block.updater instanceof SamUpdater) {
                s.add((SamUpdater) block.updater);
            }
            if (block.updater instanceof ParameterBoundUpdater) {
                ParameterBoundUpdater p = (ParameterBoundUpdater) block.updater;
                p.bind(block.params, decayViews(block));
                b.add(p);
            }
        }
        this.trainable = Collections.unmodifiableList(t);
        this.noOp = Collections.unmodifiableList(n);
        this.msam = Collections.unmodifiableList(m);
        this.sam = Collections.unmodifiableList(s);
        this.bound = Collections.unmodifiableList(b);
    }

    static Binding of(Net net) {
        INDArray flat = net.params();
        List<Block> blocks = new ArrayList<>();
        for (UpdaterBlock ub : net.blocks()) {
            GradientUpdater<?> u = ub.getGradientUpdater();
            blocks.add(new Block(ub, u, flat.get(NDArrayIndex.interval(ub.getParamOffsetStart(),
                    ub.getParamOffsetEnd()))));
        }
        return new Binding(flat, blocks);
    }

    /** @return true when DL4J has replaced the updater or the parameters since this binding was made */
    boolean isStale(Net net) {
        List<UpdaterBlock> now = net.blocks();
        if (now.size() != blocks.size() || net.model.params().data() != flatParams.data()) {
            return true;
        }
        for (int i = 0; i < now.size(); i++) {
            if (now.get(i).getGradientUpdater() != blocks.get(i).updater) {
                return true;
            }
        }
        return false;
    }

    void arm(int iteration) {
        for (ParameterBoundUpdater p : bound) {
            p.arm(iteration);
        }
    }

    /** @return the AdamW configuration behind a block's updater (plain, or the base of Sam/Msam), or null */
    static AdamW adamW(IUpdater config) {
        if (config instanceof AdamW) {
            return (AdamW) config;
        }
        if (config instanceof Msam) {
            return adamW(((Msam) config).getBase());
        }
        if (config instanceof Sam) {
            return adamW(((Sam) config).getBase());
        }
        return null;
    }

    /** The parameter views AdamW's decoupled decay acts on, by its {@link DecayScope}. */
    private static List<INDArray> decayViews(Block block) {
        AdamW a = adamW(block.updater.getConfig());
        if (a == null || a.getWeightDecay() == 0) {
            return List.of();
        }
        if (a.getDecayScope() == DecayScope.ALL_TRAINABLE) {
            return List.of(block.params);
        }
        List<INDArray> views = new ArrayList<>();
        for (UpdaterBlock.ParamState ps : block.block.getLayersAndVariablesInBlock()) {
            if (isWeight(ps.getLayer(), ps.getParamName(), ps.getParamView())) {
                views.add(ps.getParamView());
            }
        }
        return views;
    }

    /**
     * DL4J's notion of a weight (ParamInitializer.isWeightParam; a ComputationGraph's blocks hold LayerVertex
     * wrappers, unwrapped here); for trainables without an initializer, arrays of rank ≥ 2.
     */
    static boolean isWeight(Trainable trainable, String name, INDArray view) {
        Trainable layer = trainable instanceof org.deeplearning4j.nn.graph.vertex.impl.LayerVertex
                ? ((org.deeplearning4j.nn.graph.vertex.impl.LayerVertex) trainable).getLayer() : trainable;
        if (layer instanceof Layer) {
            org.deeplearning4j.nn.conf.layers.Layer conf = ((Layer) layer).conf().getLayer();
            if (conf != null && conf.initializer() != null) {
                return conf.initializer().isWeightParam(conf, name);
            }
        }
        return view.rank() >= 2 && view.size(0) > 1 && view.size(1) > 1;
    }
}
