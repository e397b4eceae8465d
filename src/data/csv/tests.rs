use super::*;
use crate::estimator::Transform;

fn line_of(r: Result<impl std::fmt::Debug>) -> (u64, String) {
    match r {
        Err(Error::Csv { line, reason }) => (line, reason),
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

#[test]
fn reads_numeric_regression() {
    let d = CsvLoader::new("y")
        .regression("a,y,b\n1,2,3\n4,5,6\n".as_bytes())
        .unwrap();
    assert_eq!(d.features, ndarray::array![[1.0, 3.0], [4.0, 6.0]]);
    assert_eq!(d.targets, ndarray::array![2.0, 5.0]);
    assert_eq!(d.feature_names, vec!["a", "b"]);
}

#[test]
fn classification_labels_and_one_hot() {
    let csv = "size,color,label\n1.5,red,cat\n2,blue,dog\n3,green,cat\n";
    let loader = CsvLoader::new("label");
    let (line, reason) = line_of(loader.classification(csv.as_bytes()));
    assert_eq!(line, 2);
    assert!(reason.contains("categorical"), "{reason}");
    let d = loader
        .clone()
        .one_hot_categorical(false)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(
        d.feature_names,
        vec!["size", "color=blue", "color=green", "color=red"]
    );
    assert_eq!(d.features.row(0).to_vec(), vec![1.5, 0.0, 0.0, 1.0]);
    assert_eq!(d.targets.to_vec(), vec![0, 1, 0]);
    assert_eq!(d.class_names, vec!["cat", "dog"]);
    let dropped = loader
        .one_hot_categorical(true)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(
        dropped.feature_names,
        vec!["size", "color=green", "color=red"]
    );
    let numeric = CsvLoader::new("y")
        .classification("x,y\n1,10\n2,2\n3,1\n".as_bytes())
        .unwrap();
    assert_eq!(numeric.class_names, vec!["1", "2", "10"]);
    // Numbers are one class whatever their spelling; -0 and 0 too.
    let spelled = CsvLoader::new("y")
        .classification("x,y\n1,1\n2,1.0\n3,2e0\n4,-0\n5,0.0\n6,1e1\n".as_bytes())
        .unwrap();
    assert_eq!(spelled.class_names, vec!["-0", "1", "2e0", "1e1"]);
    assert_eq!(spelled.targets.to_vec(), vec![1, 1, 2, 0, 0, 3]);
    // Integers beyond 2⁵³ stay apart (as f64 they would be one number).
    let big = CsvLoader::new("y")
        .classification(
            "x,y\n1,9007199254740993\n2,9007199254740992\n3,9007199254740993.0\n".as_bytes(),
        )
        .unwrap();
    assert_eq!(
        big.class_names,
        vec!["9007199254740992", "9007199254740993"]
    );
    assert_eq!(big.targets.to_vec(), vec![1, 0, 0]);
}

#[test]
fn malformed_files_name_the_line() {
    let l = CsvLoader::new("y");
    assert_eq!(line_of(l.regression("".as_bytes())).0, 1);
    assert!(
        line_of(l.regression("a,b\n1,2\n".as_bytes()))
            .1
            .contains("no column named 'y'")
    );
    assert_eq!(line_of(l.regression("a,y\n".as_bytes())).0, 2);
    let (line, reason) = line_of(l.regression("a,y\n1,2\n3,4,5\n".as_bytes()));
    assert_eq!(line, 3);
    assert!(reason.contains("expected 2 fields"), "{reason}");
    assert_eq!(line_of(l.regression("a,y\n1,2\n3,\n".as_bytes())).0, 3);
    assert_eq!(line_of(l.regression("a,y\n1,2\nx,4\n".as_bytes())).0, 3);
    assert_eq!(line_of(l.regression("a,y\n1,2\n\n4,NaN\n".as_bytes())).0, 4);
    assert_eq!(line_of(l.classification("a,y\n1,\n".as_bytes())).0, 2);
    let (line, reason) = line_of(l.regression("a,y,a\n1,2,3\n".as_bytes()));
    assert_eq!(line, 1);
    assert!(
        reason.contains("duplicate column name 'a' (columns 1 and 3)"),
        "{reason}"
    );
    assert!(matches!(
        l.regression_from_path("/no/such/file.csv"),
        Err(Error::Io { .. })
    ));
}

#[test]
fn every_missing_token_is_missing_and_the_error_names_each_column() {
    for token in ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"] {
        let csv = format!("a,b,y\n1,2,3\n{token},5,6\n7,8,9\n");
        let (line, reason) = line_of(CsvLoader::new("y").regression(csv.as_bytes()));
        assert_eq!(line, 3, "token '{token}'");
        assert!(
            reason.contains("'a' 1 (first at line 3)"),
            "token '{token}': {reason}"
        );
    }
    // Two columns with missing cells: both named, with counts and first lines.
    let csv = "a,b,y\n1,NA,3\nNA,5,6\n7,NA,9\n";
    let (line, reason) = line_of(CsvLoader::new("y").regression(csv.as_bytes()));
    assert_eq!(line, 2);
    assert!(
        reason.contains("'a' 1 (first at line 3)") && reason.contains("'b' 2 (first at line 2)"),
        "{reason}"
    );
    // Tokens are configurable: "-" missing, "NA" then a non-numeric value.
    let custom = CsvLoader::new("y")
        .missing_tokens(vec!["-".into()])
        .missing(Missing::DropRows);
    let d = custom
        .regression("a,y\n1,2\n-,3\n4,5\n".as_bytes())
        .unwrap();
    assert_eq!(d.features.column(0).to_vec(), vec![1.0, 4.0]);
    assert!(custom.regression("a,y\nNA,2\n4,5\n".as_bytes()).is_err());
}

#[test]
fn a_numeric_column_with_missing_cells_stays_numeric() {
    // The case that used to one-hot encode every distinct number of `age`.
    let csv = "age,color,y\n31,red,a\nNA,blue,b\n45,red,a\n52,,b\n";
    let loader = CsvLoader::new("y").one_hot_categorical(false);
    let kept = loader
        .clone()
        .missing(Missing::Keep)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(
        kept.feature_names,
        vec!["age", "color=<missing>", "color=blue", "color=red"]
    );
    let age = kept.features.column(0).to_vec();
    assert_eq!((age[0], age[2], age[3]), (31.0, 45.0, 52.0));
    assert!(age[1].is_nan());
    let dropped = loader
        .missing(Missing::DropRows)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(dropped.features.column(0).to_vec(), vec![31.0, 45.0]);
    assert_eq!(dropped.feature_names, vec!["age", "color=red"]);
    // A missing target is never kept.
    let (line, reason) = line_of(
        CsvLoader::new("y")
            .missing(Missing::Keep)
            .regression("a,y\n1,2\n3,NA\n".as_bytes()),
    );
    assert_eq!(line, 3);
    assert!(reason.contains("target"), "{reason}");
}

/// Missing cells kept, imputed on training rows, then a model: the whole path of a file with
/// holes.
#[test]
fn kept_missing_values_go_through_an_imputer() {
    use crate::estimator::{Fit, Predict};
    use crate::preprocess::{Imputation, Imputer};
    let csv = "x,y\n1,2\nNA,4\n3,6\n4,8\n";
    let d = CsvLoader::new("y")
        .missing(Missing::Keep)
        .regression(csv.as_bytes())
        .unwrap();
    assert!(
        crate::linear::LinearRegression::new().fit(&d).is_err(),
        "NaN must be imputed first"
    );
    let imputer = Imputer::new(Imputation::Mean).fit(&d).unwrap();
    let filled = d.with_features(imputer.transform(d.x()).unwrap()).unwrap();
    assert!((filled.features[[1, 0]] - 8.0 / 3.0).abs() < 1e-12);
    let model = crate::linear::LinearRegression::new().fit(&filled).unwrap();
    // Least squares by hand on the imputed column: slope cov(x, y) / var(x).
    let xs = [1.0, 8.0 / 3.0, 3.0, 4.0];
    let ys = [2.0, 4.0, 6.0, 8.0];
    let (mx, my) = (xs.iter().sum::<f64>() / 4.0, ys.iter().sum::<f64>() / 4.0);
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let slope = cov / var;
    let predicted = model.predict(filled.x()).unwrap();
    for (p, x) in predicted.iter().zip(xs) {
        assert!((p - (my + slope * (x - mx))).abs() < 1e-9, "{p}");
    }
}

#[test]
fn headerless_files_bom_and_delimiter_hints() {
    let rows = "5.1,3.5,0\n4.9,3.0,0\n6.2,2.9,1\n";
    let d = CsvLoader::new("x2")
        .has_header(false)
        .classification(rows.as_bytes())
        .unwrap();
    assert_eq!(d.feature_names, vec!["x0", "x1"]);
    assert_eq!(d.features.row(2).to_vec(), vec![6.2, 2.9]);
    let named = CsvLoader::new("class")
        .has_header(false)
        .names(vec!["length".into(), "width".into(), "class".into()])
        .classification(rows.as_bytes())
        .unwrap();
    assert_eq!(named.feature_names, vec!["length", "width"]);
    let (_, reason) = line_of(
        CsvLoader::new("x9")
            .has_header(false)
            .names(vec!["a".into()])
            .regression(rows.as_bytes()),
    );
    assert!(reason.contains("1 names given for 3 columns"), "{reason}");
    // A byte-order mark before the first name.
    let d = CsvLoader::new("y")
        .regression("\u{feff}a,y\n1,2\n3,4\n".as_bytes())
        .unwrap();
    assert_eq!(d.feature_names, vec!["a"]);
    // A semicolon file read with commas: one column, and a hint.
    let (line, reason) = line_of(CsvLoader::new("y").regression("a;y\n1;2\n".as_bytes()));
    assert_eq!(line, 1);
    assert!(reason.contains("delimiter(b';')"), "{reason}");
    let tabs = CsvLoader::new("y").regression("a\ty\n1\t2\n".as_bytes());
    assert!(line_of(tabs).1.contains("delimiter(b'\\t')"));
    assert!(
        CsvLoader::new("y")
            .delimiter(b';')
            .regression("a;y\n1;2\n".as_bytes())
            .is_ok()
    );
}

#[test]
fn column_kinds_are_inferred_reported_and_chosen() {
    let mut csv = String::from("id,name,zip,const,score,y\n");
    for i in 0..12 {
        csv.push_str(&format!(
            "{i},person{i},{},k,{}.5,{}\n",
            1000 + i % 3,
            i % 4,
            i % 2
        ));
    }
    csv.push_str("12,person12,NA,k,1.5,0\n");
    let loader = CsvLoader::new("y").one_hot_categorical(false);
    let reports = loader.describe(csv.as_bytes()).unwrap();
    let kind = |n: &str| reports.iter().find(|r| r.name == n).unwrap();
    assert_eq!(kind("id").kind, ColumnKind::Numeric);
    assert_eq!(kind("name").kind, ColumnKind::Identifier);
    assert_eq!(kind("zip").kind, ColumnKind::Numeric);
    assert_eq!(
        (kind("zip").missing, kind("zip").first_missing_line),
        (1, Some(14))
    );
    assert_eq!(kind("const").kind, ColumnKind::Constant);
    assert_eq!(kind("score").distinct, 4);
    assert!(kind("y").target);
    // Identifier-like strings are left out; a zip code can be chosen categorical, an id dropped.
    let d = loader
        .clone()
        .missing(Missing::DropRows)
        .column("zip", ColumnKind::Categorical)
        .column("id", ColumnKind::Dropped)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(
        d.feature_names,
        vec!["zip=1000", "zip=1001", "zip=1002", "const=k", "score"]
    );
    assert_eq!(d.n_samples(), 12);
    // Choosing a kind for a column that does not exist, or an unchoosable kind, is an error.
    assert!(
        loader
            .clone()
            .column("nope", ColumnKind::Dropped)
            .describe(csv.as_bytes())
            .is_err()
    );
    assert!(
        loader
            .column("id", ColumnKind::Constant)
            .describe(csv.as_bytes())
            .is_err()
    );
}

#[test]
fn unusual_files_are_clear_errors() {
    // A numeric column with a missing-value token the loader does not know: numeric, and the
    // unknown token is named with its line (never one category per number).
    let csv = "age,y\n31,1\nn/a,2\n45,3\n52,4\n";
    let (line, reason) = line_of(
        CsvLoader::new("y")
            .one_hot_categorical(false)
            .regression(csv.as_bytes()),
    );
    assert_eq!(line, 3);
    assert!(reason.contains("'n/a'"), "{reason}");
    // A value whose square overflows names its line and column.
    let (line, reason) = line_of(CsvLoader::new("y").regression("a,y\n1,2\n1e200,3\n".as_bytes()));
    assert_eq!(line, 3);
    assert!(reason.contains("column 'a'"), "{reason}");
    // An unnamed column (a trailing delimiter).
    let (line, reason) = line_of(CsvLoader::new("y").regression("a,y,\n1,2,\n".as_bytes()));
    assert_eq!(line, 1);
    assert!(reason.contains("column 3 has no name"), "{reason}");
    // Every feature left out.
    let (_, reason) = line_of(
        CsvLoader::new("y")
            .column("a", ColumnKind::Dropped)
            .regression("a,y\n1,2\n3,4\n".as_bytes()),
    );
    assert!(
        reason.contains("no feature column") && reason.contains("'a' (Dropped)"),
        "{reason}"
    );
    // A headerless file whose first line is not UTF-8: the reader's error, with its line.
    let bad = b"\xff\xfe,1\n2,3\n";
    assert!(matches!(
        CsvLoader::new("x1").has_header(false).regression(&bad[..]),
        Err(Error::Csv { line: 1, .. })
    ));
    // Settings that cannot apply are configuration errors.
    let target_kind = CsvLoader::new("y").column("y", ColumnKind::Categorical);
    assert!(matches!(
        target_kind.regression("a,y\n1,2\n".as_bytes()),
        Err(Error::Config {
            param: "column",
            ..
        })
    ));
    let names_with_header = CsvLoader::new("y").names(vec!["a".into(), "y".into()]);
    assert!(matches!(
        names_with_header.regression("a,y\n1,2\n".as_bytes()),
        Err(Error::Config { param: "names", .. })
    ));
    // More categories than one-hot columns allowed.
    let mut many = String::from("c,y\n");
    for i in 0..2 * (MAX_CATEGORIES + 1) {
        many.push_str(&format!("cat{},{}\n", i / 2, i % 2));
    }
    let (_, reason) = line_of(
        CsvLoader::new("y")
            .one_hot_categorical(false)
            .regression(many.as_bytes()),
    );
    assert!(reason.contains("1001 categories"), "{reason}");
}

/// Dropping rows never drops a class or renumbers the others.
#[test]
fn dropped_rows_keep_every_class() {
    let csv = "a,y\n1,x\nNA,z\n2,y\n3,x\n";
    let d = CsvLoader::new("y")
        .missing(Missing::DropRows)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(d.class_names, vec!["x", "y", "z"]);
    assert_eq!(d.targets.to_vec(), vec![0, 1, 0]);
}

/// New rows load into the training file's layout: columns by name (reordered, extra ones and
/// the target ignored), the training categories' one-hot columns, unseen categories refused or
/// zeroed.
#[test]
fn new_rows_load_in_the_training_layout() {
    let train = "size,colour,y\n1.5,red,a\nNA,blue,b\n3,green,a\n4,red,b\n";
    let loader = CsvLoader::new("y")
        .one_hot_categorical(true)
        .missing(Missing::Keep);
    let (data, schema) = loader.classification_with_schema(train.as_bytes()).unwrap();
    assert_eq!(schema.feature_names(), data.feature_names);
    assert_eq!(schema.classes, vec!["a", "b"]);
    // The training file itself gives the training features (NaN where missing).
    let again = loader
        .features_like(&schema, train.as_bytes(), Unknown::Error)
        .unwrap();
    assert_eq!(again.shape(), data.features.shape());
    for (a, b) in again.iter().zip(data.features.iter()) {
        assert!(a == b || (a.is_nan() && b.is_nan()), "{a} vs {b}");
    }
    // Reordered, an extra column, no target; blue was the dropped first category.
    let new = "note,colour,size\nx,green,2\ny,blue,NA\nz,red,7\n";
    let x = loader
        .features_like(&schema, new.as_bytes(), Unknown::Error)
        .unwrap();
    assert_eq!(
        data.feature_names,
        vec!["size", "colour=green", "colour=red"]
    );
    assert_eq!(x.row(0).to_vec(), vec![2.0, 1.0, 0.0]);
    assert!(x[[1, 0]].is_nan() && x.row(1).iter().skip(1).all(|&v| v == 0.0));
    assert_eq!(x.row(2).to_vec(), vec![7.0, 0.0, 1.0]);
    // An unseen category: an error naming line, column and value, or zeros when asked.
    let unseen = "size,colour\n2,purple\n";
    let (line, reason) = line_of(loader.features_like(&schema, unseen.as_bytes(), Unknown::Error));
    assert_eq!(line, 2);
    assert!(
        reason.contains("'purple'") && reason.contains("'colour'"),
        "{reason}"
    );
    let zeros = loader
        .features_like(&schema, unseen.as_bytes(), Unknown::Zeros)
        .unwrap();
    assert_eq!(zeros.row(0).to_vec(), vec![2.0, 0.0, 0.0]);
    // A column the model needs is missing.
    let (_, reason) =
        line_of(loader.features_like(&schema, "size,y\n1,a\n".as_bytes(), Unknown::Error));
    assert!(reason.contains("no column named 'colour'"), "{reason}");
    // The schema is saved with a model (JSON).
    let json = serde_json::to_string(&schema).unwrap();
    assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), schema);
}

/// Categories as codes for a column transformer: one feature per categorical column, NaN when
/// missing, the same codes for new rows, an unseen category refused or given a code no
/// training row has.
#[test]
fn categories_as_codes() {
    let train = "size,colour,y\n1.5,red,a\n2,NA,b\n3,blue,a\nNA,red,b\n";
    let loader = CsvLoader::new("y")
        .categorical_codes()
        .missing(Missing::Keep);
    let (data, schema) = loader.classification_with_schema(train.as_bytes()).unwrap();
    assert_eq!(data.feature_names, vec!["size", "colour"]);
    assert_eq!(schema.categorical_features(), vec![1]);
    let colour: Vec<f64> = data.features.column(1).to_vec();
    assert_eq!((colour[0], colour[2], colour[3]), (1.0, 0.0, 1.0)); // blue 0, red 1
    assert!(colour[1].is_nan() && data.features[[3, 0]].is_nan());
    let new = "colour,size\nblue,4\ngreen,5\n";
    let (line, reason) = line_of(loader.features_like(&schema, new.as_bytes(), Unknown::Error));
    assert_eq!(line, 3);
    assert!(reason.contains("'green'"), "{reason}");
    let x = loader
        .features_like(&schema, new.as_bytes(), Unknown::Zeros)
        .unwrap();
    assert_eq!(x, ndarray::array![[4.0, 0.0], [5.0, 2.0]]);
    // A column of numbers chosen categorical keeps its spelling.
    let zips = "zip,y\n01234,1\n01234,2\n98765,3\n";
    let (_, schema) = CsvLoader::new("y")
        .categorical_codes()
        .column("zip", ColumnKind::Categorical)
        .regression_with_schema(zips.as_bytes())
        .unwrap();
    assert_eq!(
        schema.columns[0].encoding,
        Encoding::Codes {
            categories: vec!["01234".into(), "98765".into()]
        }
    );
}

/// Line numbers count blank lines, CRLF endings and quoted line breaks.
#[test]
fn line_numbers_survive_blank_lines_and_quotes() {
    let csv = "a,y\r\n1,2\r\n\r\n\"x\ny\",4\n\n5,x\n";
    let (line, reason) = line_of(CsvLoader::new("y").regression(csv.as_bytes()));
    assert_eq!(line, 7, "{reason}");
}

/// A column read as numbers until its first text cell stores every number in its shortest
/// spelling, before and after that cell, and new rows find them whatever their spelling.
#[test]
fn numbers_in_a_text_column_are_one_category_whatever_their_spelling() {
    let train = "g,x,y\n1.0,1,a\nA,2,b\nB,3,a\nC,4,b\n1.0,5,a\nD,6,b\n";
    let loader = CsvLoader::new("y").categorical_codes();
    let (data, schema) = loader.classification_with_schema(train.as_bytes()).unwrap();
    assert_eq!(
        schema.columns[0].encoding,
        Encoding::Codes {
            categories: vec!["1".into(), "A".into(), "B".into(), "C".into(), "D".into()]
        }
    );
    assert_eq!(data.features[[0, 0]], data.features[[4, 0]]);
    let x = loader
        .features_like(&schema, "g,x\n1.0,1\n1,2\nB,3\n".as_bytes(), Unknown::Error)
        .unwrap();
    assert_eq!(x.column(0).to_vec(), vec![0.0, 0.0, 2.0]);
}

/// A file read once gives the reports of `describe` and the data sets of both loaders.
#[test]
fn one_read_gives_the_reports_and_either_data_set() {
    let csv = "a,c,y\n1,red,2.5\nNA,blue,3\n3,red,1.0\n4,green,3\n";
    let loader = CsvLoader::new("y")
        .categorical_codes()
        .missing(Missing::Keep);
    let read = loader.read_file(csv.as_bytes()).unwrap();
    assert_eq!(read.columns(), loader.describe(csv.as_bytes()).unwrap());
    let (d, s) = read.regression().unwrap();
    let (d2, s2) = loader.regression_with_schema(csv.as_bytes()).unwrap();
    assert_eq!((d.targets(), s), (d2.targets(), s2));
    assert_eq!(
        format!("{:?}", d.features()),
        format!("{:?}", d2.features())
    );
    let (c, cs) = loader
        .read_file(csv.as_bytes())
        .unwrap()
        .classification()
        .unwrap();
    let (c2, cs2) = loader.classification_with_schema(csv.as_bytes()).unwrap();
    assert_eq!(
        (c.targets(), c.class_names(), cs),
        (c2.targets(), c2.class_names(), cs2)
    );
    assert_eq!(c.class_names(), ["1.0", "2.5", "3"]);
}

/// `KeepFeatures`: missing feature cells stay NaN, rows without a target are left out (and
/// their classes still counted, as with `DropRows`).
#[test]
fn keep_features_leaves_out_rows_without_a_target() {
    let csv = "a,y\n1,x\nNA,y\n3,NA\n4,z\n";
    let d = CsvLoader::new("y")
        .missing(Missing::KeepFeatures)
        .classification(csv.as_bytes())
        .unwrap();
    assert_eq!(d.targets.to_vec(), vec![0, 1, 2]);
    assert!(d.features[[1, 0]].is_nan() && d.features[[2, 0]] == 4.0);
    let every = "a,y\n1,NA\n2,NA\n";
    let (line, reason) = line_of(
        CsvLoader::new("y")
            .missing(Missing::KeepFeatures)
            .regression(every.as_bytes()),
    );
    assert_eq!(line, 2);
    assert!(reason.contains("every row's target is missing"), "{reason}");
}
