//! A fitted tree as indented text (scikit-learn's `export_text` layout).

use std::fmt::Write;

use super::fitted::{FittedTree, Split};

impl<T> FittedTree<T> {
    /// The tree as text, one test or leaf per line; names fall back to `x{j}` and the class
    /// index when missing.
    pub fn render(&self, feature_names: &[String], class_names: &[String]) -> String {
        let mut out = String::new();
        self.render_node(0, 0, feature_names, class_names, &mut out);
        out
    }

    fn render_node(
        &self,
        id: usize,
        depth: usize,
        features: &[String],
        classes: &[String],
        out: &mut String,
    ) {
        let indent = "|   ".repeat(depth);
        let name = |j: usize| features.get(j).cloned().unwrap_or_else(|| format!("x{j}"));
        let node = &self.nodes[id];
        match &node.split {
            Split::Leaf => {
                let label = if self.n_classes > 0 {
                    let k = super::fitted::argmax(&node.value);
                    let class = classes.get(k).cloned().unwrap_or_else(|| k.to_string());
                    format!("class: {class} ({} examples)", node.n_samples)
                } else {
                    format!("value: {:.4} ({} examples)", node.value[0], node.n_samples)
                };
                let _ = writeln!(out, "{indent}|--- {label}");
            }
            Split::Threshold {
                feature,
                threshold,
                left,
                right,
            } => {
                let f = name(*feature);
                let _ = writeln!(out, "{indent}|--- {f} <= {threshold:.4}");
                self.render_node(*left, depth + 1, features, classes, out);
                let _ = writeln!(out, "{indent}|--- {f} >  {threshold:.4}");
                self.render_node(*right, depth + 1, features, classes, out);
            }
            Split::Category { feature, children } => {
                let f = name(*feature);
                for (value, child) in children {
                    let _ = writeln!(out, "{indent}|--- {f} = {value}");
                    self.render_node(*child, depth + 1, features, classes, out);
                }
            }
        }
    }
}
