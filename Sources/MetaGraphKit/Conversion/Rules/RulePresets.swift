// The rules files that ship with tfmeta (`--preset NAME`, `tfmeta rules list/show`).
// Embedded as JSON text so the library carries no resource files.

/// The presets: named rules files in the v1 schema.
public enum RulePresets {
    /// A preset: its name, a one-line summary and the rules file's text.
    public struct Preset: Sendable {
        /// The name `--preset` takes.
        public let name: String
        /// What it does, one line.
        public let summary: String
        /// The rules file (JSON, v1 schema), as `rules show` prints it.
        public let json: String
    }

    /// Every preset, in the order `rules list` prints them.
    public static let all: [Preset] = [dropOptimizer, dropStep, dropEMA, promoteEMA, tf1RNN12, slimToKeras, toTorch, fromTorch]

    /// The preset named `name`.
    ///
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` naming the known presets.
    public static func named(_ name: String) throws -> Preset {
        guard let p = all.first(where: { $0.name == name }) else {
            throw MetaGraphKitError(.invalidArgument, "no preset named '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return p
    }

    /// The preset's steps, marked as coming from `preset NAME`.
    public static func ruleSet(_ name: String) throws -> RuleSet {
        try RuleSet.parse(Array(named(name).json.utf8), origin: "preset \(name)")
    }

    static func file(_ description: String, _ steps: String) -> String {
        """
        {
          "$schema": "\(RuleSet.schemaURL)",
          "version": 1,
          "description": "\(description)",
          "steps": [
        \(steps)
          ]
        }

        """
    }

    static let dropOptimizer = Preset(name: "drop-optimizer",
        summary: "Drop optimizer state: Adam, AdamW, Adagrad, RMSProp, Momentum, Ftrl, LAMB, Adafactor … in TF1, object-based and Keras 3 naming",
        json: file("Leaves out every optimizer slot and optimizer variable, in TF1 naming (VAR/Adam, VAR/Adam_1, VAR/adam_m, beta1_power …), object-based naming (.OPTIMIZER_SLOT, optimizer/…) and Keras 3 naming (optimizer/vars/N, optimizer/_variables/N).", #"""
            {"comment": "TF1 slots: VAR/<Optimizer>, VAR/<Optimizer>_N (tf.compat.v1.train optimizers, graph-mode unique names)",
             "drop": "/(Adam|AdamW|Adagrad|AdagradDA|Adadelta|ProximalAdagrad|ProximalGradientDescent|RMSProp|Momentum|Ftrl|LAMB|Lamb|LARS|Adafactor|Nadam|Adamax|LazyAdam)(_[0-9]+)?$"},
            {"comment": "Slots named by hand (google-research/bert adam_m/adam_v, LAMB, Adafactor in tensor2tensor/mesh)",
             "drop": "/(adam_m|adam_v|lamb_m|lamb_v|adafactor_v|adafactor_vr|adafactor_vc|adafactor_m)$"},
            {"comment": "TF1 non-slot optimizer variables",
             "drop": "(^|/)(beta1_power|beta2_power|beta_1_power|beta_2_power)(_[0-9]+)?$"},
            {"comment": "Object-based checkpoints: slots and the optimizer's own variables (iter, learning_rate, Keras 3 vars/N)",
             "drop": ["/\\.OPTIMIZER_SLOT/", "^optimizer/", "(^|/)_?optimizer/(vars|_variables)/[0-9]+(/|$)"]}
        """#))

    static let dropStep = Preset(name: "drop-step",
        summary: "Drop step counters: global_step, save_counter, iterations",
        json: file("Leaves out the training step counters: TF1 global_step, tf.train.Checkpoint's save_counter, Keras iterations / optimizer iter.", #"""
            {"drop": ["(^|/)global_step(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "^save_counter(/\\.ATTRIBUTES/VARIABLE_VALUE)?$",
                      "(^|/)_?(iterations|iter)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$"]}
        """#))

    static let dropEMA = Preset(name: "drop-ema",
        summary: "Drop ExponentialMovingAverage shadow variables",
        json: file("Leaves out the shadow variables tf.train.ExponentialMovingAverage keeps (VAR/ExponentialMovingAverage).", #"""
            {"drop": "/ExponentialMovingAverage(_[0-9]+)?$"}
        """#))

    static let promoteEMA = Preset(name: "promote-ema",
        summary: "Replace each variable by its ExponentialMovingAverage shadow",
        json: file("Each variable takes the value of its VAR/ExponentialMovingAverage shadow, which is left out (what EMA's variables_to_restore does at restore time).", #"""
            {"promote_ema": {"suffix": "/ExponentialMovingAverage"}}
        """#))

    static let tf1RNN12 = Preset(name: "tf1-rnn-1.2",
        summary: "TF 1.2 RNN cell renames (BasicLSTMCell/Linear/Matrix → basic_lstm_cell/kernel, …)",
        json: file("The variable renames of TensorFlow 1.0–1.2's RNN cells (tensorflow/contrib/rnn/python/tools/checkpoint_convert.py): pre-1.0 names (BasicLSTMCell/Linear/Matrix, LSTMCell/W_0, GRUCell/Gates/Linear/Matrix, MultiRNNCell/Cell0, RNN/) and 1.0–1.1 names (weights/biases) to 1.2's kernel/bias.", #"""
            {"rename": {"pattern": "(^|/)RNN/", "replacement": "$1rnn/"}},
            {"rename": {"pattern": "(^|/)BiRNN/FW/", "replacement": "$1bidirectional_rnn/fw/"}},
            {"rename": {"pattern": "(^|/)BiRNN/BW/", "replacement": "$1bidirectional_rnn/bw/"}},
            {"rename": {"pattern": "MultiRNNCell/Cell([0-9]+)/", "replacement": "multi_rnn_cell/cell_$1/"}},
            {"rename": {"pattern": "BasicLSTMCell/Linear/Matrix$", "replacement": "basic_lstm_cell/kernel"}},
            {"rename": {"pattern": "BasicLSTMCell/Linear/Bias$", "replacement": "basic_lstm_cell/bias"}},
            {"rename": {"pattern": "BasicRNNCell/Linear/Matrix$", "replacement": "basic_rnn_cell/kernel"}},
            {"rename": {"pattern": "BasicRNNCell/Linear/Bias$", "replacement": "basic_rnn_cell/bias"}},
            {"rename": {"pattern": "GRUCell/Gates/Linear/Matrix$", "replacement": "gru_cell/gates/kernel"}},
            {"rename": {"pattern": "GRUCell/Gates/Linear/Bias$", "replacement": "gru_cell/gates/bias"}},
            {"rename": {"pattern": "GRUCell/Candidate/Linear/Matrix$", "replacement": "gru_cell/candidate/kernel"}},
            {"rename": {"pattern": "GRUCell/Candidate/Linear/Bias$", "replacement": "gru_cell/candidate/bias"}},
            {"rename": {"pattern": "LSTMCell/W_0$", "replacement": "lstm_cell/kernel"}},
            {"rename": {"pattern": "LSTMCell/B$", "replacement": "lstm_cell/bias"}},
            {"rename": {"pattern": "LSTMCell/W_P_0$", "replacement": "lstm_cell/projection/kernel"}},
            {"rename": {"pattern": "LSTMCell/W_F_diag$", "replacement": "lstm_cell/w_f_diag"}},
            {"rename": {"pattern": "LSTMCell/W_I_diag$", "replacement": "lstm_cell/w_i_diag"}},
            {"rename": {"pattern": "LSTMCell/W_O_diag$", "replacement": "lstm_cell/w_o_diag"}},
            {"rename": {"pattern": "(basic_rnn_cell|gru_cell|gru_cell/gates|gru_cell/candidate|basic_lstm_cell|lstm_cell|lstm_cell/projection|output_projection_wrapper|input_projection_wrapper|lstm_block_wrapper|layer_norm_basic_lstm_cell|ugrnn_cell|intersection_rnn_cell|intersection_rnn_cell/in_projection|phased_lstm_cell/mask_gates|phased_lstm_cell/new_input|phased_lstm_cell/output_gate|attention_cell_wrapper|attention_cell_wrapper/attn_output_projection|attention_cell_wrapper/attention)/weights$", "replacement": "$1/kernel"}},
            {"rename": {"pattern": "(basic_rnn_cell|gru_cell|gru_cell/gates|gru_cell/candidate|basic_lstm_cell|lstm_cell|lstm_cell/projection|output_projection_wrapper|input_projection_wrapper|lstm_block_wrapper|layer_norm_basic_lstm_cell|ugrnn_cell|intersection_rnn_cell|intersection_rnn_cell/in_projection|phased_lstm_cell/mask_gates|phased_lstm_cell/new_input|phased_lstm_cell/output_gate|attention_cell_wrapper|attention_cell_wrapper/attn_output_projection|attention_cell_wrapper/attention)/biases$", "replacement": "$1/bias"}},
            {"rename": {"pattern": "nas_rnn/(recurrent_)?weights$", "replacement": "nas_rnn/$1kernel"}}
        """#))

    static let slimToKeras = Preset(name: "slim-to-keras",
        summary: "TF-Slim names to Keras/tf.layers names (weights/biases → kernel/bias, BatchNorm → batch_normalization)",
        json: file("TF-Slim variable names to tf.layers / Keras names: weights → kernel, biases → bias, depthwise_weights → depthwise_kernel, pointwise_weights → pointwise_kernel, BatchNorm/ → batch_normalization/.", #"""
            {"rename": {"pattern": "/depthwise_weights$", "replacement": "/depthwise_kernel"}},
            {"rename": {"pattern": "/pointwise_weights$", "replacement": "/pointwise_kernel"}},
            {"rename": {"pattern": "/weights$", "replacement": "/kernel"}},
            {"rename": {"pattern": "/biases$", "replacement": "/bias"}},
            {"rename": {"pattern": "(^|/)BatchNorm/", "replacement": "$1batch_normalization/"}}
        """#))

    static let toTorch = Preset(name: "to-torch",
        summary: "PyTorch layouts for export: conv kernels HWIO → OIHW, conv1d WIO → OIW, dense [in,out] → [out,in]",
        json: file("Transposes TensorFlow kernels into PyTorch's layouts: Conv2D HWIO → OIHW, Conv1D WIO → OIW, Conv3D DHWIO → OIDHW, Dense [in, out] → [out, in].", #"""
            {"transpose": {"pattern": "(^|/)(kernel|weights)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [1, 0], "rank": 2}},
            {"transpose": {"pattern": "(^|/)(kernel|weights)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [2, 1, 0], "rank": 3}},
            {"transpose": {"pattern": "(^|/)(kernel|weights)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [3, 2, 0, 1], "rank": 4}},
            {"transpose": {"pattern": "(^|/)(kernel|weights)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [4, 3, 0, 1, 2], "rank": 5}}
        """#))

    static let fromTorch = Preset(name: "from-torch",
        summary: "The reverse of to-torch: OIHW → HWIO, OIW → WIO, [out,in] → [in,out]",
        json: file("Transposes PyTorch weights into TensorFlow's layouts (the reverse of to-torch): OIHW → HWIO, OIW → WIO, OIDHW → DHWIO, [out, in] → [in, out].", #"""
            {"transpose": {"pattern": "(^|/|\\.)(kernel|weights|weight)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [1, 0], "rank": 2}},
            {"transpose": {"pattern": "(^|/|\\.)(kernel|weights|weight)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [2, 1, 0], "rank": 3}},
            {"transpose": {"pattern": "(^|/|\\.)(kernel|weights|weight)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [2, 3, 1, 0], "rank": 4}},
            {"transpose": {"pattern": "(^|/|\\.)(kernel|weights|weight)(/\\.ATTRIBUTES/VARIABLE_VALUE)?$", "perm": [2, 3, 4, 1, 0], "rank": 5}}
        """#))
}
