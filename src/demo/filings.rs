//! R4.2 The filings: one catalogue of filed programmes per year, the same for every seed (every
//! seed's people attend the same programmes), with the status each has on the day of the run
//! and the office's decision on it.

use chrono::NaiveDate;

use super::careers::FIELDS;
use super::rng::Rng;
use super::world::{World, add_days, ymd, zh_date};
use crate::domain::{Category, Filing, FilingStatus, Form, Hours};

/// Filings do not depend on the seed: every seed's people attend the same programmes.
pub(crate) const CATALOGUE_SALT: u64 = 0x6A69_6A69_616F_2017;

/// Logins of the provincial office's clerks who decide on filings (R4.2).
const OFFICE_CLERKS: &[&str] = &["liuzhiwei", "tanxiaohong"];

/// R4.1 Why the refused filing of each year was refused.
const REASON_FILING_REJECTED: &str = "申报单位不属于继续教育基地、行业主管部门、高等院校或大型企业，不具备施教机构条件，不予备案（R4.1）";

/// What a filing is for, from the point of view of the people who attend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Public subjects on the web, the whole year.
    Online,
    /// A public-subject class.
    Class,
    /// A public-subject class whose filing was approved after it started (R4.3).
    Late,
    /// A public-subject lecture.
    Lecture,
    /// A filing that was refused.
    Rejected,
    /// Filed, not yet decided.
    Supplementary,
    /// A filed professional programme of a field.
    Professional,
}

pub(crate) struct Planned {
    pub filing: Filing,
    pub use_: Use,
    pub form: Form,
    /// Hours credited to an attendee (an online course credits what each one studied).
    pub tenths: i64,
    /// What an attendee's entry says it was.
    pub content: String,
    /// When it is (or will be) approved.
    pub approval: Option<NaiveDate>,
}

#[derive(Default)]
pub(crate) struct YearFilings {
    pub online: Vec<usize>,
    pub classes: Vec<usize>,
    pub late: Option<usize>,
    pub lecture: Option<usize>,
    pub rejected: Option<usize>,
    pub professional: [Option<usize>; FIELDS.len()],
}

pub(crate) struct Catalogue {
    pub items: Vec<Planned>,
    /// Per year, from the oldest.
    pub years: Vec<(i32, YearFilings)>,
}

/// The text of a filing (attachment 3), before the office decides on it.
struct Draft {
    name: String,
    category: Category,
    place: String,
    trainees: String,
    programme: String,
    schedule: String,
    dates: (NaiveDate, NaiveDate),
}

/// Attachment 3's organisation fields.
struct Org {
    name: String,
    address: String,
    post_code: String,
    email: String,
    head: String,
    head_post: &'static str,
    head_phone: String,
    contact: String,
    contact_post: &'static str,
    phone: String,
}

/// FNV-1a of a name: a stable key for its generator.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

fn post_code_and_email(name: &str, seq: i64) -> (String, String) {
    let known: &[(&str, &str, &str)] = &[
        ("湖南师范大学", "410081", "jxjy@hunnu-demo.cn"),
        ("长沙环境保护职业技术学院", "410004", "pxb@hbzy-demo.cn"),
        ("湖南农业大学", "410128", "jxjy@hunau-demo.cn"),
        ("湖南大学", "410082", "jxjy@hnu-demo.cn"),
        ("湖南人才市场有限公司", "410004", "peixun@hnrc-demo.cn"),
        ("湖南食品药品职业学院", "410208", "pxb@hnsyzy-demo.cn"),
        ("长沙市国家公务员培训中心", "410007", "pxzx@csgwy-demo.cn"),
    ];
    match known.iter().find(|k| k.0 == name) {
        Some(k) => (k.1.to_string(), k.2.to_string()),
        None => ("410000".into(), format!("jxjy{seq:02}@hnjxjy-demo.cn")),
    }
}

impl Catalogue {
    pub(crate) fn build(world: &World<'_>) -> Catalogue {
        let mut c = Catalogue {
            items: Vec::new(),
            years: Vec::new(),
        };
        for year in world.year - 6..=world.year {
            let yf = c.year(world, year);
            c.years.push((year, yf));
        }
        c
    }

    pub(crate) fn of_year(&self, year: i32) -> Option<&YearFilings> {
        self.years.iter().find(|(y, _)| *y == year).map(|(_, f)| f)
    }

    /// An organisation as its filings show it: the same head and contact every year.
    fn org(world: &World<'_>, name: &str) -> Org {
        let mut rng = Rng::child(CATALOGUE_SALT, fnv1a(name));
        let head_post = if name.contains("医院") {
            "科教部主任"
        } else if name.contains("大学") || name.contains("学院") {
            "继续教育学院院长"
        } else if name.contains("公司") {
            "总经理"
        } else {
            "主任"
        };
        let head = {
            let male = rng.chance(600);
            world.name(&mut rng, male)
        };
        let head_phone = world.landline("0731", &mut rng);
        let contact_post = rng.pick(&["培训部主任", "培训科科长", "办公室主任", "项目负责人"]);
        match world.base(name) {
            Some(b) => {
                let (post_code, email) = post_code_and_email(&b.name, b.seq);
                Org {
                    name: b.name.clone(),
                    address: b.address.clone(),
                    post_code,
                    email,
                    head,
                    head_post,
                    head_phone,
                    contact: b.contact.clone(),
                    contact_post,
                    phone: b.phone.clone(),
                }
            }
            None => {
                let (post_code, email) = post_code_and_email(name, 10 + rng.range(0, 89));
                let street = rng.pick(&[
                    "芙蓉区五一大道",
                    "天心区湘府路",
                    "岳麓区麓山路",
                    "开福区湘江中路",
                    "雨花区韶山中路",
                ]);
                let address = format!("湖南省长沙市{street}{}号", rng.range(1, 300));
                let contact = {
                    let male = rng.chance(500);
                    world.name(&mut rng, male)
                };
                Org {
                    name: name.to_string(),
                    address,
                    post_code,
                    email,
                    head,
                    head_post,
                    head_phone,
                    contact,
                    contact_post,
                    phone: world.landline("0731", &mut rng),
                }
            }
        }
    }

    /// A filing of attachment 3 with every field filled, not yet decided.
    fn filing(no: String, org: &Org, d: Draft) -> Filing {
        Filing {
            filing_no: no,
            name: d.name,
            category: d.category,
            applicant_unit: org.name.clone(),
            institution: org.name.clone(),
            address: org.address.clone(),
            post_code: org.post_code.clone(),
            email: org.email.clone(),
            head: org.head.clone(),
            head_post: org.head_post.into(),
            head_phone: org.head_phone.clone(),
            contact: org.contact.clone(),
            contact_post: org.contact_post.into(),
            contact_phone: org.phone.clone(),
            place: d.place,
            trainees: d.trainees,
            programme: d.programme,
            schedule: d.schedule,
            start_date: d.dates.0,
            end_date: d.dates.1,
            status: FilingStatus::Pending,
            approved_on: None,
        }
    }

    fn public_programme(theme: &str, trainees: &str, mode: &str, tenths: i64) -> String {
        format!(
            "一、培训目的\n按照专业技术人员继续教育有关规定，围绕“{theme}”开展公需科目培训，提升专业技术人员的综合素质和职业素养。\n二、培训对象\n{trainees}\n三、培训内容\n1. {theme}政策解读\n2. {theme}专题辅导\n3. 典型案例剖析\n4. 交流研讨\n四、培训方式\n{mode}\n五、考核方式\n结业考试，考核合格者颁发结业证明，登记公需科目{}学时。",
            Hours::from_tenths(tenths)
        )
    }

    fn class_schedule(topic: &str, start: NaiveDate, days: i64) -> String {
        let mut lines = Vec::new();
        for d in 0..days {
            let date = zh_date(add_days(start, d));
            let (am, pm) = match d {
                0 => (
                    "开班动员；政策解读".to_string(),
                    format!("{topic}专题讲座（一）"),
                ),
                d if d + 1 == days => (
                    "交流研讨，学员分享".to_string(),
                    "结业考试，颁发结业证明".to_string(),
                ),
                d => (
                    format!("{topic}专题讲座（{}）", zh_number(d + 1)),
                    "典型案例分析与分组讨论".to_string(),
                ),
            };
            lines.push(format!("{date} 上午：{am}"));
            lines.push(format!("{date} 下午：{pm}"));
        }
        lines.join("\n")
    }

    fn push(&mut self, p: Planned, today: NaiveDate) -> usize {
        let mut p = p;
        match p.use_ {
            Use::Rejected => {
                p.filing.status = FilingStatus::Rejected;
            }
            Use::Supplementary => {}
            _ => {
                if let Some(on) = p.approval.filter(|on| *on <= today) {
                    p.filing.status = FilingStatus::Approved;
                    p.filing.approved_on = Some(on);
                }
            }
        }
        self.items.push(p);
        self.items.len() - 1
    }

    fn year(&mut self, world: &World<'_>, year: i32) -> YearFilings {
        let mut rng = Rng::child(CATALOGUE_SALT, year as u64);
        let theme = world.theme(year);
        let today = world.today;
        let mut yf = YearFilings::default();
        let mut n = 0;
        let mut next_no = || {
            n += 1;
            format!("湘人社专技备〔{year}〕{n:03}号")
        };

        // Public subjects on the web, filed in December for the whole next year.
        let online = world.bases_with("网络培训");
        let first = (year.rem_euclid(online.len().max(1) as i32)) as usize;
        let mut online_names: Vec<String> = Vec::new();
        for k in 0..2usize {
            let Some(b) = online.get((first + k) % online.len().max(1)) else {
                continue;
            };
            if online_names.contains(&b.name) {
                continue;
            }
            online_names.push(b.name.clone());
            let org = Self::org(world, &b.name);
            let trainees = "全省各级各类专业技术人员，网络学习，不限人数".to_string();
            let dates = (ymd(year, 1, 1), ymd(year, 12, 31));
            let approval = ymd(year - 1, 12, rng.range(10, 25) as u32);
            let programme = Self::public_programme(
                &theme,
                &trainees,
                "网络学习平台在线学习，学员自主安排学习时间",
                300,
            );
            let schedule = format!(
                "{}至{}：在线学习课程视频，公需科目不少于30学时\n学完后：在线考试，成绩合格者在线打印学习证明",
                zh_date(dates.0),
                zh_date(dates.1)
            );
            let draft = Draft {
                name: format!("{year}年度专业技术人员公需科目网络培训（{theme}）"),
                category: Category::Public,
                place: format!("网络学习平台（{}）", b.name),
                trainees,
                programme,
                schedule,
                dates,
            };
            let no = next_no();
            let filing = Self::filing(no, &org, draft);
            let i = self.push(
                Planned {
                    filing,
                    use_: Use::Online,
                    form: Form::Distance,
                    tenths: 300,
                    content: format!("{theme}（网络培训）"),
                    approval: Some(approval),
                },
                today,
            );
            yf.online.push(i);
        }

        // Public-subject classes, four a year, and a fifth filed too late (R4.3).
        let classes = world.bases_with("集中授课");
        for k in 1..=5usize {
            let Some(b) = classes.get((year as usize * 3 + k) % classes.len().max(1)) else {
                continue;
            };
            let late = k == 5;
            let month = if late {
                rng.pick(&[6u32, 10])
            } else {
                [3u32, 5, 9, 11][k - 1]
            };
            let start = ymd(year, month, rng.range(3, 20) as u32);
            let days = rng.pick(&[3i64, 4, 4, 4]);
            let tenths = if days == 3 { 240 } else { 300 };
            let end = add_days(start, days - 1);
            let approval = if late {
                add_days(start, rng.range(3, 20))
            } else {
                add_days(start, -rng.range(12, 45))
            };
            let people = rng.pick(&[80, 100, 120, 150, 200]);
            let trainees = format!("全省各级各类专业技术人员，计划培训{people}人");
            let org = Self::org(world, &b.name);
            let programme = Self::public_programme(
                &theme,
                &trainees,
                "集中面授，专题讲座与案例研讨相结合",
                tenths,
            );
            let draft = Draft {
                name: format!(
                    "{year}年度专业技术人员公需科目集中培训班（第{}期）",
                    zh_number(k as i64)
                ),
                category: Category::Public,
                place: format!(
                    "{}{}",
                    b.address,
                    rng.pick(&["学术报告厅", "继续教育学院培训楼", "第一教学楼多功能厅"])
                ),
                trainees,
                programme,
                schedule: Self::class_schedule(&theme, start, days),
                dates: (start, end),
            };
            let no = next_no();
            let filing = Self::filing(no, &org, draft);
            let i = self.push(
                Planned {
                    filing,
                    use_: if late { Use::Late } else { Use::Class },
                    form: Form::TrainingClass,
                    tenths,
                    content: format!("{theme}（集中培训）"),
                    approval: Some(approval),
                },
                today,
            );
            if late {
                yf.late = Some(i);
            } else {
                yf.classes.push(i);
            }
        }

        // A public-subject lecture: 3.5 hours.
        if let Some(b) = classes.get((year as usize + 1) % classes.len().max(1)) {
            let start = ymd(year, rng.pick(&[4u32, 10]), rng.range(8, 26) as u32);
            let trainees = "全省专业技术人员，计划300人".to_string();
            let org = Self::org(world, &b.name);
            let programme = Self::public_programme(&theme, &trainees, "专题讲座", 35);
            let draft = Draft {
                name: format!("{year}年度公需科目专题讲座：{theme}"),
                category: Category::Public,
                place: format!("{}报告厅", b.address),
                trainees,
                programme,
                schedule: format!(
                    "{} 上午8:30—12:00：{theme}专题讲座（3.5学时）",
                    zh_date(start)
                ),
                dates: (start, start),
            };
            let no = next_no();
            let filing = Self::filing(no, &org, draft);
            yf.lecture = Some(self.push(
                Planned {
                    filing,
                    use_: Use::Lecture,
                    form: Form::Lecture,
                    tenths: 35,
                    content: format!("{theme}专题讲座"),
                    approval: Some(add_days(start, -rng.range(10, 30))),
                },
                today,
            ));
        }

        // Refused: the applicant is not a qualified provider (R4.1).
        {
            let start = ymd(year, 7, rng.range(5, 20) as u32);
            let trainees = "社会各类专业技术人员，计划500人".to_string();
            let org = Self::org(world, "湖南博学教育咨询有限公司");
            let programme = Self::public_programme(&theme, &trainees, "集中面授", 240);
            let draft = Draft {
                name: format!("{year}年度专业技术人员公需科目速成培训班"),
                category: Category::Public,
                place: format!("{}会议室", org.address),
                trainees,
                programme,
                schedule: Self::class_schedule(&theme, start, 3),
                dates: (start, add_days(start, 2)),
            };
            let no = next_no();
            let filing = Self::filing(no, &org, draft);
            yf.rejected = Some(self.push(
                Planned {
                    filing,
                    use_: Use::Rejected,
                    form: Form::TrainingClass,
                    tenths: 240,
                    content: format!("{theme}（速成培训）"),
                    approval: None,
                },
                today,
            ));
        }

        // One filed professional programme per field (R4.4).
        for (fi, field) in FIELDS.iter().enumerate() {
            let topic = rng.pick(field.topics);
            let start = ymd(year, rng.range(3, 11) as u32, rng.range(3, 20) as u32);
            let days = rng.pick(&[4i64, 5]);
            let tenths = days * 80;
            let people = rng.pick(&[60, 80, 100, 120]);
            let series = [
                "卫生",
                "工程",
                "中小学教师",
                "高校教师",
                "农业",
                "自然科学研究",
                "经济、会计",
                "新闻",
            ]
            .get(fi)
            .copied()
            .unwrap_or("");
            let trainees = format!("全省{series}系列中级及以上专业技术人员，计划{people}人");
            let org = Self::org(world, field.workshop);
            let programme = format!(
                "一、培训目的\n提升{series}系列专业技术人员在“{topic}”方面的专业能力。\n二、培训对象\n{trainees}\n三、培训内容\n1. {topic}前沿进展\n2. 相关标准与规范解读\n3. 典型案例分析与实操\n四、考核方式\n结业考核与研修报告相结合，合格者颁发结业证明，登记专业科目{}学时。",
                Hours::from_tenths(tenths)
            );
            let draft = Draft {
                name: format!("{year}年{topic}高级研修班"),
                category: Category::Professional,
                place: org.address.clone(),
                trainees,
                programme,
                schedule: Self::class_schedule(topic, start, days),
                dates: (start, add_days(start, days - 1)),
            };
            let no = next_no();
            let filing = Self::filing(no, &org, draft);
            yf.professional[fi] = Some(self.push(
                Planned {
                    filing,
                    use_: Use::Professional,
                    form: Form::Workshop,
                    tenths,
                    content: format!("{topic}高级研修班"),
                    approval: Some(add_days(start, -rng.range(15, 40))),
                },
                today,
            ));
        }

        // The current year always has a filing waiting for the office's decision.
        if year == world.year {
            let start = add_days(today, 30);
            let trainees = "全省各级各类专业技术人员，计划200人".to_string();
            let org = Self::org(world, "湖南省科技干部培训中心");
            let programme = Self::public_programme(&theme, &trainees, "集中面授", 240);
            let draft = Draft {
                name: format!("{year}年度专业技术人员公需科目集中培训班（补充备案）"),
                category: Category::Public,
                place: format!("{}培训楼", org.address),
                trainees,
                programme,
                schedule: Self::class_schedule(&theme, start, 3),
                dates: (start, add_days(start, 2)),
            };
            let no = next_no();
            let filing = Self::filing(no, &org, draft);
            self.push(
                Planned {
                    filing,
                    use_: Use::Supplementary,
                    form: Form::TrainingClass,
                    tenths: 240,
                    content: format!("{theme}（集中培训）"),
                    approval: None,
                },
                today,
            );
        }
        yf
    }
}

fn zh_number(n: i64) -> &'static str {
    match n {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        5 => "五",
        6 => "六",
        7 => "七",
        8 => "八",
        9 => "九",
        _ => "十",
    }
}

/// The provincial office's decision on a filing of the catalogue, as the demo writes it.
pub(crate) struct Decision {
    pub by: &'static str,
    /// When, stamped like the office's clerk would (`actor.stamp()` for today).
    pub at: String,
    /// Why it was refused; empty for an approval.
    pub reason: &'static str,
}

/// R4.2, R5.5 Who decided catalogue item `i` (its filing `f`) and when: `None` while pending.
/// Each item has its own generator, so the decisions never shift the catalogue.
pub(crate) fn decision(world: &World<'_>, i: usize, f: &Filing) -> Option<Decision> {
    let mut rng = Rng::child(CATALOGUE_SALT ^ 0xDEC1_DE00, i as u64);
    let by = rng.pick(OFFICE_CLERKS);
    let at = match (f.status, f.approved_on) {
        (FilingStatus::Approved, Some(on)) => world.stamp(on, &mut rng),
        (FilingStatus::Rejected, _) => {
            world.stamp(add_days(f.start_date, -rng.range(10, 30)), &mut rng)
        }
        _ => return None,
    };
    let reason = if f.status == FilingStatus::Rejected {
        REASON_FILING_REJECTED
    } else {
        ""
    };
    Some(Decision { by, at, reason })
}

impl Catalogue {
    /// The provider of this year's review batch: the first online course's institution.
    pub(crate) fn batch_provider(&self, year: i32) -> String {
        self.of_year(year)
            .and_then(|yf| yf.online.first())
            .and_then(|&i| self.items.get(i))
            .map(|p| p.filing.institution.clone())
            .unwrap_or_default()
    }
}
