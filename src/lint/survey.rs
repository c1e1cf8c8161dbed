//! The 2020 survey's references, as lint needs them: which reference numbers
//! name data resources, and the URL each gave, so an entry for one of them
//! cannot lose its `survey_reference`.

/// One data resource of the survey: the reference numbers that cite it (the
/// resource and, where there is one, its paper) and the URL the survey gave.
#[derive(Debug, Clone, Copy)]
pub struct SurveyResource {
    pub references: &'static [u8],
    pub url: &'static str,
}

/// References [2]-[22] that are data resources (or their papers). [12], [18],
/// [19] and [20] are clinical papers, not resources.
pub const RESOURCES: &[SurveyResource] = &[
    SurveyResource {
        references: &[2],
        url: "https://coronacases.org",
    },
    SurveyResource {
        references: &[3],
        url: "https://bsticovid19.cimar.co.uk/",
    },
    SurveyResource {
        references: &[4],
        url: "https://www.kaggle.com/bachrr/covid-chest-xray",
    },
    SurveyResource {
        references: &[5],
        url: "https://www.kaggle.com/tawsifurrahman/covid19-radiography-database",
    },
    SurveyResource {
        references: &[6],
        url: "http://www.medicalsegmentation.com/covid19/",
    },
    SurveyResource {
        references: &[7],
        url: "https://pages.semanticscholar.org/coronavirus-research",
    },
    SurveyResource {
        references: &[8],
        url: "https://github.com/lindawangg/COVID-Net/",
    },
    SurveyResource {
        references: &[9],
        url: "https://www.eurorad.org/",
    },
    SurveyResource {
        references: &[10],
        url: "https://www.radiopaedia.org",
    },
    SurveyResource {
        references: &[11],
        url: "https://www.sirm.org/category/senza-categoria/covid-19/",
    },
    SurveyResource {
        references: &[13],
        url: "https://data.mendeley.com/datasets/2fxz4px6d8/4",
    },
    SurveyResource {
        references: &[14, 15],
        url: "https://github.com/jannisborn/covid19_pocus_ultrasound",
    },
    SurveyResource {
        references: &[16, 17],
        url: "https://github.com/ieee8023/covid-chestxray-dataset",
    },
    SurveyResource {
        references: &[21, 22],
        url: "https://github.com/UCSD-AI4H/COVID-CT",
    },
];

/// Whether `reference` names a data resource of the survey.
pub fn is_data_reference(reference: i64) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.references.iter().any(|n| i64::from(*n) == reference))
}

/// The survey resource whose URL has this normal form (see `urls::normalise`).
pub fn resource_for(normalised: &str) -> Option<&'static SurveyResource> {
    static NORMALISED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let forms = NORMALISED.get_or_init(|| {
        RESOURCES
            .iter()
            .map(|r| {
                let url = url::Url::parse(r.url).expect("survey URLs parse");
                super::urls::normalise(&url)
            })
            .collect()
    });
    forms
        .iter()
        .position(|form| form == normalised)
        .map(|i| &RESOURCES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinical_papers_are_not_data_references() {
        for n in [1, 12, 18, 19, 20, 23] {
            assert!(!is_data_reference(n), "{n}");
        }
        for n in [2, 3, 11, 13, 14, 15, 16, 17, 21, 22] {
            assert!(is_data_reference(n), "{n}");
        }
    }

    #[test]
    fn resources_are_found_under_their_canonical_urls() {
        let n = |t: &str| super::super::urls::normalise(&url::Url::parse(t).unwrap());
        assert_eq!(
            resource_for(&n(
                "https://www.kaggle.com/datasets/bachrr/covid-chest-xray"
            ))
            .map(|r| r.references),
            Some(&[4][..])
        );
        assert_eq!(
            resource_for(&n("https://github.com/lindawangg/COVID-Net")).map(|r| r.references),
            Some(&[8][..])
        );
        assert!(resource_for(&n("https://example.org/")).is_none());
    }
}
