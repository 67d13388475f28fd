// swift-tools-version:6.0
import PackageDescription

// One library module per concern; C libraries come in through one thin target each.
// Layout of the top level is fixed: Package.swift, Sources, Tests, Deploy, Scripts, Protocols.
let package = Package(
    name: "CTScreen",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ctscreen", targets: ["ctscreen"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Volumes", targets: ["Volumes"]),
        .library(name: "Phantom", targets: ["Phantom"]),
        .library(name: "NeuralEngine", targets: ["NeuralEngine"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Opacities", targets: ["Opacities"]),
        .library(name: "Preparation", targets: ["Preparation"]),
        .library(name: "Screening", targets: ["Screening"]),
        .library(name: "ResNetClassifier", targets: ["ResNetClassifier"]),
        .library(name: "LungModel", targets: ["LungModel"]),
        .library(name: "Timeline", targets: ["Timeline"]),
        .library(name: "Cluster", targets: ["Cluster"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Clustering", targets: ["Clustering"]),
        .library(name: "Datasets", targets: ["Datasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // SHA-256 of the shipped weights and of study files (Screening). 3.x, not 4.x: the API
        // used is the same, and a first clean debug build of it alone took 111 s of CPU here
        // against 134 s for 4.5.2 (which adds SHA-3/Keccak C code).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // The /metrics registry and text format (Cluster); swift-metrics comes with it.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The /metrics HTTP endpoint (Cluster).
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Dataset tables: labels.csv, image and slice lists (Datasets).
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
    ],
    targets: [
        // C libraries from Debian's packages (Scripts/setup installs them).
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
                       providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // libnifti ships no pkg-config file: a plain C target (headers, link flags); its
        // include/znzlib.h forwards to nifti/znzlib.h, which nifti1_io.h includes as <znzlib.h>.
        .target(name: "CNIfTI", path: "Sources/CNIfTI",
                linkerSettings: [.linkedLibrary("niftiio"), .linkedLibrary("znz"), .linkedLibrary("z")]),
        // Debian's libstb-dev ships stb_image compiled into libstb.so (+ stb.pc): no shim .c.
        .systemLibrary(name: "CSTB", path: "Sources/CSTB", pkgConfig: "stb",
                       providers: [.apt(["libstb-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // GDCM is C++: a plain C API over it, every exception caught inside the shim.
        .target(
            name: "CGDCM",
            path: "Sources/CGDCM",
            // -O2 even in debug builds: the per-pixel conversion loops would be ~10x slower at -O0.
            cxxSettings: [.unsafeFlags(["-I/usr/include/gdcm-3.0", "-std=c++17", "-O2"])],
            linkerSettings: [
                .linkedLibrary("gdcmMSFF"), .linkedLibrary("gdcmDSED"),
                .linkedLibrary("gdcmDICT"), .linkedLibrary("gdcmCommon"),
                .linkedLibrary("stdc++"),
            ]
        ),

        // Imaging primitives, no I/O and no dependencies: seeded random numbers, pixel
        // rectangles, bilinear resampling, Otsu's threshold, parallel chunks.
        .target(name: "Imaging"),

        .target(name: "Volumes", dependencies: ["CGDCM", "CNIfTI"]),
        // Per-voxel loops over whole volumes (Segmentation, Phantom, Opacities): -O even in
        // debug builds, measured: their 34 tests take 49 s optimised, 345 s at -Onone.
        .target(name: "Segmentation", dependencies: ["Imaging", "Volumes"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // Synthetic chests in Hounsfield units with known lungs and lesions (tests, training, demos).
        .target(name: "Phantom", dependencies: ["Imaging", "Volumes", "Segmentation"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // Subsystem A, focal opacities: per-voxel filters over whole lungs, optimised like Segmentation.
        .target(name: "Opacities", dependencies: ["Imaging", "Volumes", "Segmentation"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // -Ounchecked (no bounds or overflow checks) in every build: measured with
        // Scripts/bench-engine, same machine and load, against -O: forward of one slice on one
        // thread 0.81× ONNX Runtime's speed unchecked, 0.75× checked (−7 %); batch 16 equal.
        // In debug builds it also keeps the engine tests' full forward passes fast.
        .target(name: "NeuralEngine", dependencies: ["Imaging", "COpenBLAS"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "Models", dependencies: ["Imaging", "NeuralEngine"]),
        // The shipped model: F16 weights as a resource, with its card beside them.
        .target(name: "DefaultModel", exclude: ["MODEL_CARD.md"], resources: [.copy("ctscreen-default-v5.safetensors")]),
        // Slices grouped by their features: z-scoring, PCA (LAPACK), k-means++, the elbow,
        // and the .npy files the study outputs hold them in.
        .target(name: "Clustering", dependencies: ["Imaging", "COpenBLAS"]),
        // How a slice becomes a network input: settings, lung region, window, crop and resize
        // (shared by screening and training data, without the rest of the pipeline).
        .target(name: "Preparation", dependencies: ["Imaging", "Volumes", "Segmentation"]),
        .target(name: "Screening", dependencies: [
            "Imaging", "Volumes", "Segmentation", "Opacities", "Preparation", "Clustering", "CPNG",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The classify stage's network: the ResNet-50 and the shipped weights behind
        // Screening's `SliceClassifier` (apart, so that what uses Screening without running the
        // network — the cluster's coordinator and reducer code, the timeline — does not bring
        // the models and the 12 MB weights).
        .target(name: "ResNetClassifier", dependencies: ["Preparation", "Screening", "Models", "NeuralEngine", "DefaultModel"]),
        // The U-Net lung segmentation behind Preparation's `LungSegmenting` (`--lung-model`).
        .target(name: "LungModel", dependencies: ["Imaging", "Volumes", "Segmentation", "Preparation", "Models", "NeuralEngine"]),
        // Patients over time: time points from reports, their store (SQLite), change and plot.
        .target(name: "Timeline", dependencies: ["Screening", "Opacities", "Evaluation", "CSQLite"]),
        .target(name: "Cluster", dependencies: [
            "CHiredis", "Imaging", "Volumes", "Preparation", "Screening", "Timeline",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // ROC, AUC intervals, operating points, rank-sum test: plain Swift, no dependencies.
        .target(name: "Evaluation", dependencies: ["Imaging"]),
        // Training samples: 2D image folders (stb_image), masked slices, labelled volume slices.
        // The UCSD COVID-CT patient table is a resource, with its README beside it.
        .target(name: "Datasets", dependencies: ["Imaging", "Volumes", "Preparation", "Segmentation", "CSTB",
                                               .product(name: "CSV", package: "CSV.swift")],
                exclude: ["Resources/README.md"], resources: [.copy("Resources/ucsd-covid-ct-patients.csv")]),
        // Weight gradients, loss, Adam, the training loop and checkpoints.
        .target(name: "Training", dependencies: ["Imaging", "NeuralEngine", "Models", "Datasets", "Evaluation"]),
        .target(name: "CTScreenCLI", dependencies: [
            "Training", "Datasets", "Imaging", "Volumes", "Segmentation", "Phantom", "ResNetClassifier", "NeuralEngine", "Models", "Preparation", "Screening", "Cluster", "Clustering", "LungModel", "Evaluation", "Timeline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "ctscreen", dependencies: ["CTScreenCLI"]),

        // Test helpers shared by the test targets (where the shared data is).
        .target(name: "CTScreenTestSupport", path: "Tests/Support"),
        .testTarget(name: "VolumesTests", dependencies: ["CTScreenTestSupport", "Volumes"]),
        .testTarget(name: "SegmentationTests", dependencies: ["CTScreenTestSupport", "Imaging", "Segmentation", "Phantom", "Volumes"]),
        .testTarget(name: "PhantomTests", dependencies: ["CTScreenTestSupport", "Phantom", "Segmentation", "Volumes"]),
        .testTarget(name: "OpacitiesTests", dependencies: ["CTScreenTestSupport", "Opacities", "Phantom", "Segmentation", "Volumes"]),
        .testTarget(name: "NeuralEngineTests", dependencies: ["CTScreenTestSupport", "Imaging", "NeuralEngine"]),
        .testTarget(name: "ModelsTests", dependencies: ["CTScreenTestSupport", "Models", "NeuralEngine"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "LungModelTests", dependencies: ["CTScreenTestSupport", "LungModel", "Models", "NeuralEngine", "Phantom", "Preparation", "Volumes"]),
        .testTarget(name: "ScreeningTests", dependencies: ["CTScreenTestSupport", "Imaging", "Phantom", "Preparation", "Screening", "ResNetClassifier"]),
        .testTarget(name: "TimelineTests", dependencies: ["CTScreenTestSupport", "Timeline", "Screening", "Opacities"]),
        // Swift 5 mode: its fault harnesses share counters between threads under locks the
        // compiler cannot see (captured vars); the sources under test are Swift 6.
        .testTarget(name: "ClusterTests", dependencies: ["CTScreenTestSupport", "Imaging", "Cluster", "Clustering"],
                    swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "EvaluationTests", dependencies: ["CTScreenTestSupport", "Imaging", "Evaluation"]),
        .testTarget(name: "ClusteringTests", dependencies: ["CTScreenTestSupport", "Clustering"], exclude: ["Fixtures"]),
        .testTarget(name: "DatasetsTests", dependencies: ["CTScreenTestSupport", "Imaging", "Datasets", "Preparation", "Screening", "Volumes"]),
        .testTarget(name: "TrainingTests", dependencies: ["CTScreenTestSupport", "Imaging", "Training", "NeuralEngine", "Models", "Datasets", "Segmentation"]),
        .testTarget(name: "CTScreenCLITests", dependencies: ["CTScreenTestSupport", "Imaging", "Phantom", "ResNetClassifier", "CTScreenCLI", "Clustering", "LungModel", "Preparation", "Screening", "DefaultModel", "Volumes", "Datasets", "Segmentation", "NeuralEngine"]),
    ],
    swiftLanguageModes: [.v6]
)
